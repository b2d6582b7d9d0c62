using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Nodes.Tests.Fakes;
using Xunit.Abstractions;

namespace Oakestra.Actors.Nodes.Tests;

public class FailureTests(ITestOutputHelper output) : NodesTestKit(output)
{
    [Fact]
    public void A_lost_workers_instances_are_reported_Failed_and_replaced_elsewhere_with_the_same_Instance_IPs_and_a_new_epoch()
    {
        using var lab = new Lab(Sys);
        var orchestrator = lab.StartOrchestrator("a");
        var doomedSystem = lab.NewSystem("doomed");
        var doomed = lab.StartWorker("a", "w1", orchestrator, doomedSystem);
        var survivor = lab.StartWorker("a", "w2", orchestrator);
        var client = lab.StartWorker("a", "w3", orchestrator);
        Eventually(() => Assert.Equal(3, lab.Store.Read(s => s.Subnets.Count)));
        lab.Root.Tell(new DefineService(Svc.Routes(1, 1)));
        lab.Root.Tell(new DeployInstance(Svc.Launch(1, 0), "a", "w1"));
        Eventually(() => Assert.Equal(("w1", 1L), OwnerOf(lab, 1)));
        client.DataPlane.Miss(Svc.InstanceV4(1, 0));
        client.DataPlane.Traffic(Svc.InstanceV4(1, 0), DateTime.MaxValue);
        Eventually(() => Assert.Equal("w1", client.DataPlane.Service(Svc.Id(1))?.Instances[0].Node));

        Shutdown(doomedSystem, verifySystemShutdown: true);

        Eventually(() => Assert.Equal(WorkerState.Down, lab.Store.Read(s => s.WorkerStates[("a", "w1")])));
        Eventually(() => Assert.Contains(lab.Store.ReceivedOf<InstanceStatusReport>(),
            r => r is { Status: InstanceStatus.Failed, Epoch: 1 } && r.InstanceId == Svc.InstanceId(1, 0)));
        Eventually(() => Assert.Equal(("w2", 2L), OwnerOf(lab, 1)));
        var replacement = Assert.Single(survivor.Host.Started);
        Assert.Equal(Svc.Launch(1, 0, epoch: 2), replacement.Launch); // same Instance IPs, next epoch
        Assert.Empty(client.Host.Started); // w2 and w3 equally loaded: ties go by node name

        // The workers that route to it follow the move.
        Eventually(() =>
        {
            var target = client.DataPlane.Service(Svc.Id(1))!.Instances[0];
            Assert.Equal(("w2", 2L, "w2.lab:50103"), (target.Node, target.Epoch, target.TunnelEndpoint));
        });
        Assert.Empty(client.DataPlane.Violations);
        Eventually(() => Assert.DoesNotContain(client.DataPlane.Last!.Peers, p => p.Node == "w1"));
    }

    [Fact]
    public void A_worker_back_within_the_grace_adopts_its_placements_nothing_is_placed_again_and_its_table_goes_on()
    {
        using var lab = new Lab(Sys) { WorkerGrace = TimeSpan.FromSeconds(20) };
        var orchestrator = lab.StartOrchestrator("a");
        var system = lab.NewSystem("worker-incarnation-1");
        var worker = lab.StartWorker("a", "w1", orchestrator, system);
        lab.StartWorker("a", "w2", orchestrator);
        Eventually(() => Assert.Equal(2, lab.Store.Read(s => s.Subnets.Count)));
        lab.Root.Tell(new DefineService(Svc.Routes(1, 1)));
        lab.Root.Tell(new DeployInstance(Svc.Launch(1, 0), "a", "w1"));
        Eventually(() => Assert.Equal(("w1", 1L), OwnerOf(lab, 1)));
        var published = worker.DataPlane.PublishCount;

        // The worker's ActorSystem ends (downed, quarantined…); its process, instances and data plane do not.
        Shutdown(system, verifySystemShutdown: true);
        Thread.Sleep(1500);
        var back = lab.StartWorker("a", "w1", orchestrator, lab.NewSystem("worker-incarnation-2"), restartOf: worker);

        Eventually(() => Assert.True(worker.Host.Restores >= 2));
        Eventually(() => Assert.True(back.DataPlane.PublishCount > published));
        Thread.Sleep(3000); // past any digest the orchestrator compares
        Assert.Equal(("w1", 1L), OwnerOf(lab, 1));
        Assert.Single(worker.Host.Started); // adopted, never started again
        Assert.Empty(worker.Host.Stopped);
        Assert.DoesNotContain(lab.Store.ReceivedOf<InstanceStatusReport>(), r => r.Status == InstanceStatus.Failed);
        // The new incarnation's first table already holds the running placement (no gap in forwarding).
        Assert.Contains(back.DataPlane.Last!.LocalInstances, l => l.InstanceId == Svc.InstanceId(1, 0));
    }

    [Fact]
    public void Placement_is_refused_for_an_unknown_node_and_goes_to_the_least_loaded_worker_otherwise()
    {
        using var lab = new Lab(Sys);
        var orchestrator = lab.StartOrchestrator("a");
        var w1 = lab.StartWorker("a", "w1", orchestrator);
        var w2 = lab.StartWorker("a", "w2", orchestrator);
        Eventually(() => Assert.Equal(2, lab.Store.Read(s => s.Subnets.Count)));
        Thread.Sleep(200); // both WorkerSubnetsAssigned reach the orchestrator

        orchestrator.Tell(new PlaceInstance(Svc.Launch(1, 0), "nope"), TestActor);
        // The refusal goes up the site's link to the root tier (the Instance entity asking may live on any root).
        PlacementRefused refused = null!;
        Eventually(() => refused = Assert.Single(lab.Store.ReceivedOf<PlacementRefused>()));
        Assert.Equal((Svc.InstanceId(1, 0), 1L), (refused.InstanceId, refused.Epoch));
        Assert.Contains("nope", refused.Reason);

        orchestrator.Tell(new PlaceInstance(Svc.Launch(1, 0), "w1"), TestActor);
        orchestrator.Tell(new PlaceInstance(Svc.Launch(1, 1), "w1"), TestActor);
        orchestrator.Tell(new PlaceInstance(Svc.Launch(1, 2), null), TestActor);
        orchestrator.Tell(new PlaceInstance(Svc.Launch(1, 3), null), TestActor);
        Eventually(() => Assert.Equal((2, 2), (w1.Host.Started.Count, w2.Host.Started.Count)));
        Assert.Equal([2, 3], w2.Host.Started.Select(s => s.Launch.Number).Order());
    }

    [Fact]
    public void Registration_subnets_and_interests_survive_restarts_of_the_orchestrator_and_of_the_root()
    {
        using var lab = new Lab(Sys);
        var orchestrator = lab.StartOrchestrator("a", "orchestrator-1");
        var worker = lab.StartWorker("a", "w1", orchestrator);
        Eventually(() => Assert.Single(worker.Host.Prepared));
        var subnets = worker.Host.Prepared.Single();
        lab.Root.Tell(new DefineService(Svc.Routes(1, 1)));
        worker.DataPlane.Miss(Svc.RoundRobinV4(1));
        worker.DataPlane.Traffic(Svc.RoundRobinV4(1), DateTime.MaxValue);
        Eventually(() => Assert.Equal(1, worker.DataPlane.Service(Svc.Id(1))?.Version));

        // Orchestrator gone: the worker keeps its table; a change made meanwhile is not lost.
        Watch(orchestrator);
        lab.OrchestratorSystem.Stop(orchestrator);
        ExpectTerminated(orchestrator);
        lab.Root.Tell(new ChangeService(Svc.Id(1), [new InstanceUpserted(Svc.Instance(1, 0, null, InstanceStatus.Pending))]));
        Thread.Sleep(300);
        Assert.Equal(1, worker.DataPlane.Service(Svc.Id(1))?.Version);

        var restarted = lab.StartOrchestrator("a", "orchestrator-2");
        worker.Agent.Tell(new Oakestra.Actors.Contracts.Discovery.UseUpstream(restarted));
        Eventually(() => Assert.Equal(2, worker.DataPlane.Service(Svc.Id(1))?.Version)); // resynchronised by version
        Assert.All(worker.Host.Prepared, p => Assert.Equal(subnets, p));
        Assert.Single(lab.Store.Read(s => s.Subnets));
        // The new orchestrator knows the worker: it can place on it.
        lab.Root.Tell(new DeployInstance(Svc.Launch(1, 0), "a", "w1"));
        Eventually(() => Assert.Single(worker.Host.Started));

        // Root restart: the orchestrator registers the site again and states its interests again.
        var registrations = lab.Store.ReceivedOf<RegisterSite>().Count;
        Sys.Stop(lab.Root);
        var root2 = lab.StartRoot();
        restarted.Tell(new Oakestra.Actors.Contracts.Discovery.UseUpstream(root2));
        Eventually(() => Assert.True(lab.Store.ReceivedOf<RegisterSite>().Count > registrations));
        Eventually(() => Assert.Contains(lab.Store.ReceivedOf<SubscribeService>(), s => s.ServiceId == Svc.Id(1) && s.Subscriber == "a" ));
        root2.Tell(new ChangeService(Svc.Id(1), [new AddressesChanged([])]));
        Eventually(() => Assert.Empty(worker.DataPlane.Service(Svc.Id(1))!.Addresses));

        // A worker process restart (same node name) gets the same subnets back from the root.
        worker.System.Stop(worker.Agent);
        Thread.Sleep(300);
        var again = lab.StartWorker("a", "w1", restarted);
        Eventually(() => Assert.Equal(subnets, Assert.Single(again.Host.Prepared)));
        var other = lab.StartWorker("a", "w2", restarted);
        Eventually(() => Assert.NotEqual(subnets.V4, Assert.Single(other.Host.Prepared).V4));
    }

    private static (string? Node, long Epoch) OwnerOf(Lab lab, int service)
    {
        var owner = lab.Store.Service(Svc.Id(service)).Instances.Single().Owner;
        return (owner?.Node, owner?.Epoch ?? 0);
    }
}
