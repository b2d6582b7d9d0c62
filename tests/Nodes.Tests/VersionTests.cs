using Akka.TestKit;
using Oakestra.Actors.ClusterOrchestrator.Actors;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Nodes.Tests.Fakes;
using Oakestra.Actors.WorkerNode.Actors;
using Xunit.Abstractions;
using Oakestra.Actors.ClusterOrchestrator.Link;

namespace Oakestra.Actors.Nodes.Tests;

public class VersionTests(ITestOutputHelper output) : NodesTestKit(output)
{
    private static readonly Placement OnW9 = new("a", "w9", null, null, "w9.lab:50103", 1);

    private static ServiceDelta Move(int service, long from, long epoch) =>
        new(Svc.Id(service), from, from + 1, [new InstanceUpserted(Svc.Instance(service, 0, OnW9 with { Epoch = epoch }))]);

    [Fact]
    public void A_worker_applies_deltas_in_version_order_ignores_a_duplicate_and_asks_for_a_snapshot_on_a_gap()
    {
        var orchestrator = CreateTestProbe();
        var packetPath = CreateTestProbe();
        var table = Sys.ActorOf(RouteTableActor.Props(new WorkerSettings("a", "w1", "w1.lab:50103"), orchestrator.Ref, packetPath.Ref, Oakestra.Actors.WorkerNode.Memory.NodeMemory.InProcess()));
        packetPath.ExpectMsg<RoutesChanged>(m => m.Services.IsEmpty);

        table.Tell(new TableMisses([Svc.RoundRobinV4(1)]));
        var query = orchestrator.ExpectMsg<QueryRoute>();
        Assert.Equal(new QueryRoute("w1", Svc.RoundRobinV4(1)), query);
        table.Tell(new RouteFound(query.Address, Svc.Routes(1, 1, Svc.Instance(1, 0, OnW9))), orchestrator.Ref);
        packetPath.ExpectMsg<RoutesChanged>(m => m.Services[Svc.Id(1)].Version == 1);

        table.Tell(Move(1, from: 1, epoch: 2));
        var v2 = packetPath.ExpectMsg<RoutesChanged>().Services[Svc.Id(1)];
        Assert.Equal((2L, 2L), (v2.Version, v2.Instances[0].Owner!.Epoch));

        table.Tell(Move(1, from: 1, epoch: 2)); // duplicate
        packetPath.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        orchestrator.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        table.Tell(Move(1, from: 3, epoch: 4)); // 2 → 3 went missing
        Assert.Equal(new RequestServiceSnapshot(Svc.Id(1), "w1", table), orchestrator.ExpectMsg<RequestServiceSnapshot>());
        packetPath.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        table.Tell(new ServiceRoutesSnapshot(Svc.Routes(1, 4, Svc.Instance(1, 0, OnW9 with { Epoch = 4 }))));
        packetPath.ExpectMsg<RoutesChanged>(m => m.Services[Svc.Id(1)].Version == 4);
        table.Tell(new ServiceRoutesSnapshot(Svc.Routes(1, 3, Svc.Instance(1, 0, OnW9 with { Epoch = 3 })))); // older: ignored
        packetPath.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void The_orchestrator_fans_out_each_delta_once_drops_a_duplicate_and_asks_the_root_for_a_snapshot_on_a_gap()
    {
        var root = CreateTestProbe();
        root.IgnoreMessages(m => m is RegisterSite);
        var worker = CreateTestProbe();
        var orchestrator = Sys.ActorOf(OrchestratorActor.Props(new OrchestratorSettings("a"),
            RootLink.Props("a", new RootTransport.Fixed(Sys.ActorOf(AckingRoot.Props(root.Ref))), Lab.FastLink)));

        orchestrator.Tell(new SubscribeService(Svc.Id(1), "w1", worker.Ref));
        Assert.Equal(new SubscribeService(Svc.Id(1), "a", orchestrator), root.ExpectMsg<SubscribeService>());
        // Until the first snapshot arrives the orchestrator's retry tick may repeat the subscription: idempotent.
        root.IgnoreMessages(m => m is RegisterSite or SubscribeService);
        orchestrator.Tell(new ServiceRoutesSnapshot(Svc.Routes(1, 1, Svc.Instance(1, 0, OnW9))), root.Ref);
        Assert.Equal(1, worker.ExpectMsg<ServiceRoutesSnapshot>().Routes.Version);

        var delta = Move(1, from: 1, epoch: 2);
        orchestrator.Tell(delta, root.Ref);
        Assert.Same(delta, worker.ExpectMsg<ServiceDelta>());
        orchestrator.Tell(delta, root.Ref);
        worker.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        orchestrator.Tell(Move(1, from: 3, epoch: 4), root.Ref);
        Assert.Equal(new RequestServiceSnapshot(Svc.Id(1), "a", orchestrator), root.ExpectMsg<RequestServiceSnapshot>());
        worker.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        orchestrator.Tell(new ServiceRoutesSnapshot(Svc.Routes(1, 4, Svc.Instance(1, 0, OnW9 with { Epoch = 4 }))), root.Ref);
        Assert.Equal(4, worker.ExpectMsg<ServiceRoutesSnapshot>().Routes.Version);

        // A worker's own gap is answered from the cache, without the root.
        orchestrator.Tell(new RequestServiceSnapshot(Svc.Id(1), "w1", worker.Ref));
        Assert.Equal(4, worker.ExpectMsg<ServiceRoutesSnapshot>().Routes.Version);
        root.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void A_site_that_unsubscribes_while_a_resolve_of_the_same_service_is_in_flight_subscribes_again_with_its_answer()
    {
        // Seen in the 50-worker simulation: the resolve subscribed the site at the root, the unsubscribe that
        // followed it removed that, and the answer left the orchestrator believing it was still subscribed.
        var root = CreateTestProbe();
        root.IgnoreMessages(m => m is RegisterSite);
        var orchestrator = Sys.ActorOf(OrchestratorActor.Props(new OrchestratorSettings("a"),
            RootLink.Props("a", new RootTransport.Fixed(Sys.ActorOf(AckingRoot.Props(root.Ref))), Lab.FastLink)));
        var w1 = CreateTestProbe();
        var w2 = CreateTestProbe();

        orchestrator.Tell(new SubscribeService(Svc.Id(1), "w1", w1.Ref));
        root.ExpectMsg<SubscribeService>();
        // Retry ticks repeat the subscription (until a first snapshot) and the resolve (until answered); a repeat
        // may already be queued at the probe, so fish past them rather than ignore from now on.
        root.IgnoreMessages(m => m is RegisterSite or SubscribeService);
        orchestrator.Tell(new QueryRoute("w2", Svc.RoundRobinV4(1)), w2.Ref);
        var resolve = (ResolveRoute)root.FishForMessage(m => m is ResolveRoute);
        orchestrator.Tell(new UnsubscribeService(Svc.Id(1), "w1"));
        Assert.Equal(new UnsubscribeService(Svc.Id(1), "a"), root.FishForMessage(m => m is UnsubscribeService));

        root.IgnoreMessages(m => m is RegisterSite);
        orchestrator.Tell(new RouteFound(resolve.Address, Svc.Routes(1, 1, Svc.Instance(1, 0, OnW9))), root.Ref);
        Assert.Equal(Svc.Id(1), w2.ExpectMsg<RouteFound>().Routes.ServiceId);
        Assert.Equal(new SubscribeService(Svc.Id(1), "a", orchestrator), root.FishForMessage(m => m is SubscribeService));
    }

    [Fact]
    public void End_to_end_a_lost_delta_is_repaired_by_a_snapshot_and_a_doubled_one_changes_nothing()
    {
        using var lab = new Lab(Sys);
        var orchestrator = lab.StartOrchestrator("a");
        var worker = lab.StartWorker("a", "w1", orchestrator);
        lab.Root.Tell(new DefineService(Svc.Routes(1, 1, Svc.Instance(1, 0, Svc.On(worker, 1)))));
        Eventually(() => Assert.Single(lab.Store.Read(s => s.Subnets)));
        worker.DataPlane.Miss(Svc.InstanceV4(1, 0));
        Eventually(() => Assert.Equal(1, worker.DataPlane.Service(Svc.Id(1))?.Version));

        lab.Root.Tell(new ChangeService(Svc.Id(1), [new InstanceUpserted(Svc.Instance(1, 0, OnW9 with { Epoch = 2 }))], Delivery.Drop));
        lab.Root.Tell(new ChangeService(Svc.Id(1), [new InstanceUpserted(Svc.Instance(1, 0, OnW9 with { Epoch = 3 }))]));
        Eventually(() => Assert.Equal(3, worker.DataPlane.Service(Svc.Id(1))?.Version));
        Assert.Contains(new RequestServiceSnapshot(Svc.Id(1), "a", orchestrator), lab.Store.ReceivedOf<RequestServiceSnapshot>());

        lab.Root.Tell(new ChangeService(Svc.Id(1), [new InstanceUpserted(Svc.Instance(1, 0, OnW9 with { Epoch = 4 }))], Delivery.Twice));
        Eventually(() => Assert.Equal(4, worker.DataPlane.Service(Svc.Id(1))?.Version));
        var published = worker.DataPlane.PublishCount;
        Thread.Sleep(500);
        Assert.Equal(published, worker.DataPlane.PublishCount);
        Assert.Single(lab.Store.ReceivedOf<RequestServiceSnapshot>());
        Assert.Empty(worker.DataPlane.Violations);
    }
}
