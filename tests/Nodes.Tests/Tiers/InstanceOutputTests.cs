using System.Net;
using Oakestra.Actors.Root.Api;
using Xunit.Abstractions;

namespace Oakestra.Actors.Nodes.Tests.Tiers;

/// <summary>
/// `oak logs` and one_shot through the real tiers (root, orchestrator and worker processes' hosting; fake instances
/// whose log files the worker's real reader reads): the root asks the site of the instance, the orchestrator its
/// worker, and the answer comes back as chunks; an instance that exits 0 with one_shot ends Completed, and its output
/// stays readable.
/// </summary>
public class InstanceOutputTests(ITestOutputHelper output) : NodesTestKit(output)
{
    [Fact]
    public async Task Logs_come_from_the_worker_through_its_orchestrator_and_a_one_shot_exit_0_completes()
    {
        await using var lab = new ControlPlaneLab();
        await lab.StartRootAsync();
        lab.StartSite("site1");
        var w1 = lab.StartWorker("site1", "w1");
        var cp = lab.ControlPlane;
        await Until(TimeSpan.FromSeconds(60), async () => (await cp.ListNodesAsync(default)).Any(n => n is { Node: "w1", Status: "Up" }), "w1 Up");

        var created = await cp.CreateServicesAsync(
            [new ServiceSpec("app", "ns", "job", "ns", "process", "echo hello", null, null, null, new Dictionary<string, IPAddress>()) { OneShot = true }], default);
        Assert.True(created.Ok, created.Error?.Message);
        var id = (await cp.DeployInstancesAsync(created.Value![0].Id, 1, null, default)).Value![0].Id;
        InstanceView? running = null;
        await Until(TimeSpan.FromSeconds(30), async () => (running = (await cp.GetInstanceAsync(id, default)).Value) is { Status: "Running" }, "the job Running");

        w1.Instances.WriteLog(id, "hello\nfrom the job\n");
        var all = (await cp.ReadInstanceLogAsync(id, 0, null, default)).Value!;
        Assert.Equal(("site1", "w1", "hello\nfrom the job\n", true), (all.Site, all.Node, all.Text, all.Running));
        var tail = (await cp.ReadInstanceLogAsync(id, 0, 1, default)).Value!;
        Assert.Equal("from the job\n", tail.Text);
        w1.Instances.WriteLog(id, "more\n");
        var next = (await cp.ReadInstanceLogAsync(id, all.NextOffset, null, default)).Value!;
        Assert.Equal(("more\n", all.NextOffset), (next.Text, next.Offset));

        // The process exits 0: the worker reports it with its exit code, the root completes the one_shot instance.
        w1.Instances.Crash(id, running!.Epoch, 0);
        await Until(TimeSpan.FromSeconds(30), async () => (await cp.GetInstanceAsync(id, default)).Value!.Status == "Completed", "the job Completed");
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal("Completed", (await cp.GetInstanceAsync(id, default)).Value!.Status);
        Assert.Single(w1.Instances.Started, s => s.Launch.InstanceId == id);

        // Its output is still on the worker where it ran.
        var after = (await cp.ReadInstanceLogAsync(id, 0, null, default)).Value!;
        Assert.Equal(("hello\nfrom the job\nmore\n", false), (after.Text, after.Running));

        var unknown = await cp.ReadInstanceLogAsync("app.ns.nothing.ns.0", 0, null, default);
        Assert.Equal(ControlErrorKind.NotFound, unknown.Error!.Kind);
    }

    private static async Task Until(TimeSpan within, Func<Task<bool>> done, string what)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await done())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"not within {within.TotalSeconds:0} s: {what}");
            await Task.Delay(250);
        }
    }
}
