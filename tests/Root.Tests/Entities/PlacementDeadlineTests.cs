using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Root.Tests.Api;

namespace Oakestra.Actors.Root.Tests.Entities;

/// <summary>A placement that never reports Running (a lost PlaceInstance, a worker stuck starting it) is given up and placed again.</summary>
[Collection(RootProcessCollection.Name)]
public sealed class PlacementDeadlineTests
{
    [Fact]
    public async Task A_placement_never_running_within_the_deadline_is_stopped_failed_with_its_reason_and_placed_again()
    {
        await using var root = await RootProcess.StartAsync(null, null, "--Oak:Root:PlacementDeadlineSeconds=3");
        Assert.Equal(System.Net.HttpStatusCode.Created, (await root.PostJson("/api/v1/applications", Slas.One("stuck"))).StatusCode);
        var orchestrator = new FakeOrchestrator(root, "site1").Register();
        orchestrator.AddWorker("w1");
        var instance = (await root.ControlPlane.DeployInstancesAsync(Slas.ServiceId("stuck"), 1, null, default)).Value![0];

        var first = orchestrator.ExpectPlace(instance.Id);
        orchestrator.Report(instance.Id, first.Launch.Epoch, InstanceStatus.Starting, "w1"); // and then nothing
        var stop = orchestrator.Take<StopInstance>(s => s.InstanceId == instance.Id, TimeSpan.FromSeconds(15));
        Assert.Equal(first.Launch.Epoch, stop.Epoch);
        var view = (await root.ControlPlane.GetInstanceAsync(instance.Id, default)).Value!;
        Assert.Contains("not Running 3 s after it was handed to site1 (node w1)", view.LastFailure);

        var again = orchestrator.ExpectPlace(instance.Id);
        Assert.Equal(first.Launch.Epoch + 1, again.Launch.Epoch);
        Assert.Equal(first.Launch.InstanceV4, again.Launch.InstanceV4);

        // A placement that runs in time is left alone.
        orchestrator.Report(instance.Id, again.Launch.Epoch, InstanceStatus.Running, "w1");
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.DoesNotContain(orchestrator.Drain(TimeSpan.FromMilliseconds(500)), m => m is PlaceInstance or StopInstance);
        Assert.Equal("Running", (await root.ControlPlane.GetInstanceAsync(instance.Id, default)).Value!.Status);
    }
}
