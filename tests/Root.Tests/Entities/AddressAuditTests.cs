using System.Net;
using Akka.Actor;
using Akka.Hosting;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Root.Entities.Audit;
using Oakestra.Actors.Root.Entities.Services;
using Oakestra.Actors.Root.Pools;
using Oakestra.Actors.Root.Tests.Api;

namespace Oakestra.Actors.Root.Tests.Entities;

/// <summary>
/// What a crash between two steps of a deployment leaves behind, made here by losing exactly the message a crash
/// would (an allocation whose owner never persists, a CreateInstance or an UndeployInstance that never arrives), and
/// the address audit putting it right: no address without an owner, no instance stuck Pending, none left running.
/// </summary>
[Collection(RootProcessCollection.Name)]
public sealed class AddressAuditTests
{
    // The audit runs when the test says so; the pools' clock is the test's.
    private static readonly string[] Settings = ["--Oak:Root:AddressAuditSeconds=0"];
    private static readonly TimeSpan PastGrace = Oakestra.Actors.Root.Entities.RootSettings.Default.UnconfirmedAddressGrace + TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Addresses_allocated_for_a_service_that_was_never_created_are_reclaimed_into_quarantine_and_a_real_services_are_kept()
    {
        await using var root = await RootProcess.StartAsync(null, null, Settings);
        Assert.Equal(HttpStatusCode.Created, (await root.PostJson("/api/v1/applications", Slas.One("alpha"))).StatusCode);
        var alpha = (await root.ControlPlane.GetServiceAsync(Slas.ServiceId("alpha"), default)).Value!;
        // A crash after the allocation, before ServiceCreated / InstancesAdded: what the pools then hold.
        var ghost = (await root.Refs.Pools.AllocateV4Async(PoolOwners.Service("ghost.test.web.test", BalancingPolicies.RoundRobin))).Get();
        var lostInstance = (await root.Refs.Pools.AllocateV6Async(PoolNames.InstanceV6, PoolOwners.Instance($"{alpha.Id}.7"))).Get();

        var early = await Audit(root);
        Assert.Equal(0, early.Reclaimed); // within the grace a request may still be creating them

        root.Clock.Advance(PastGrace);
        var report = await Audit(root);
        Assert.Equal(2, report.Reclaimed);
        Assert.Equal(0, report.Undeployed); // alpha.7 was never listed, so no entity of it can run
        Assert.False((await root.Refs.Pools.OwnerOfAsync(PoolNames.ServiceV4, ghost.ToString())).Ok);
        Assert.False((await root.Refs.Pools.OwnerOfAsync(PoolNames.InstanceV6, lostInstance.ToString())).Ok);
        // Into quarantine, not free at once: someone may have announced them.
        Assert.DoesNotContain(ghost.ToString(), (await root.Refs.Pools.PreviewAsync(PoolNames.ServiceV4, 64)).Get());

        // The real service keeps every address it holds, and they are not asked about again.
        foreach (var a in alpha.ServiceIps)
            Assert.Equal(PoolOwners.Service(alpha.Id, a.Policy), (await root.Refs.Pools.OwnerOfAsync(PoolNames.ServiceV4, a.Ipv4!)).Get().Owner);
        Assert.Equal(2 * BalancingPolicies.All.Count, report.Confirmed);
        Assert.Equal(0, (await Audit(root)).Checked);
    }

    [Fact]
    public async Task An_instance_whose_creation_was_lost_is_created_and_placed_by_the_next_audit()
    {
        await using var root = await RootProcess.StartAsync(null, null, Settings);
        var orchestrator = new FakeOrchestrator(root, "site1").Register();
        orchestrator.AddWorker("w1");
        Assert.Equal(HttpStatusCode.Created, (await root.PostJson("/api/v1/applications", Slas.One("beta"))).StatusCode);

        var instances = root.Refs.Instances;
        root.Refs.Instances = ActorRefs.Nobody; // the CreateInstance after InstancesAdded is lost
        var added = (await root.ControlPlane.DeployInstancesAsync(Slas.ServiceId("beta"), 1, null, null, default)).Value!;
        root.Refs.Instances = instances;
        Assert.Empty(orchestrator.Drain(TimeSpan.FromSeconds(1)).OfType<PlaceInstance>());

        root.Clock.Advance(PastGrace);
        var report = await Audit(root);
        Assert.Equal(0, report.Reclaimed);
        var place = orchestrator.ExpectPlace(added[0].Id);
        Assert.Equal(added[0].InstanceIpv4, place.Launch.InstanceV4.ToString());
    }

    [Fact]
    public async Task An_instance_left_running_by_a_delete_whose_undeploy_was_lost_is_stopped_and_its_Instance_IPs_reclaimed()
    {
        await using var root = await RootProcess.StartAsync(null, null, Settings);
        var orchestrator = new FakeOrchestrator(root, "site1").Register();
        orchestrator.AddWorker("w1");
        Assert.Equal(HttpStatusCode.Created, (await root.PostJson("/api/v1/applications", Slas.One("gamma"))).StatusCode);
        var id = (await root.ControlPlane.DeployInstancesAsync(Slas.ServiceId("gamma"), 1, null, null, default)).Value![0].Id;
        var epoch = orchestrator.ExpectPlace(id).Launch.Epoch;
        orchestrator.Report(id, epoch, InstanceStatus.Running, "w1");
        await WaitUntil(async () => (await root.ControlPlane.GetServiceAsync(Slas.ServiceId("gamma"), default)).Value!.Instances[0].Status == "Running");

        var instances = root.Refs.Instances;
        root.Refs.Instances = ActorRefs.Nobody; // the delete's UndeployInstance is lost
        Assert.True((await root.ControlPlane.DeleteServiceAsync(Slas.ServiceId("gamma"), default)).Ok);
        root.Refs.Instances = instances;
        Assert.Empty(orchestrator.Drain(TimeSpan.FromSeconds(1)).OfType<StopInstance>());
        var owner = PoolOwners.Instance(id);
        Assert.NotEmpty((await root.Refs.Pools.HoldingsAsync(PoolNames.ServiceV4, owner)).Get());

        root.Clock.Advance(PastGrace);
        var report = await Audit(root);
        Assert.Equal(1, report.Undeployed);
        var stop = orchestrator.Take<StopInstance>(s => s.InstanceId == id);
        Assert.Equal(epoch, stop.Epoch);
        Assert.Empty((await root.Refs.Pools.HoldingsAsync(PoolNames.ServiceV4, owner)).Get());
        Assert.Empty((await root.Refs.Pools.HoldingsAsync(PoolNames.InstanceV6, owner)).Get());
    }

    [Fact]
    public async Task A_placement_handed_out_before_a_crash_of_the_root_gets_its_deadline_again_after_the_restart()
    {
        var dataDir = Persistence.TestRoot.NewDataDir();
        string[] settings = [.. Settings, "--Oak:Root:PlacementDeadlineSeconds=3"];
        try
        {
            string id;
            long epoch;
            await using (var root = await RootProcess.StartAsync(dataDir, null, settings))
            {
                var orchestrator = new FakeOrchestrator(root, "site1").Register();
                orchestrator.AddWorker("w1");
                Assert.Equal(HttpStatusCode.Created, (await root.PostJson("/api/v1/applications", Slas.One("delta"))).StatusCode);
                id = (await root.ControlPlane.DeployInstancesAsync(Slas.ServiceId("delta"), 1, null, null, default)).Value![0].Id;
                epoch = orchestrator.ExpectPlace(id).Launch.Epoch; // never reported Running: the worker lost it
            } // the deadline timer dies with the root

            await using (var root = await RootProcess.StartAsync(dataDir, null, settings))
            {
                var orchestrator = new FakeOrchestrator(root, "site1").Register();
                orchestrator.AddWorker("w1");
                await Audit(root); // its first round wakes every service, and so every instance nobody else would wake
                Assert.Equal(epoch, orchestrator.Take<StopInstance>(s => s.InstanceId == id, TimeSpan.FromSeconds(20)).Epoch);
                Assert.True(orchestrator.Take<PlaceInstance>(p => p.Launch.InstanceId == id, TimeSpan.FromSeconds(20)).Launch.Epoch > epoch);
            }
        }
        finally
        {
            Persistence.TestRoot.DeleteDataDir(dataDir);
        }
    }

    private static async Task<AddressAuditReport> Audit(RootProcess root)
    {
        var audit = await ActorRegistry.For(root.System).GetAsync<AddressAuditActor>();
        return await audit.Ask<AddressAuditReport>(new AuditAddresses(), TimeSpan.FromSeconds(60));
    }

    private static async Task WaitUntil(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met within 30 s");
            await Task.Delay(100);
        }
    }
}
