using Oakestra.Actors.ClusterOrchestrator.Actors;
using Oakestra.Actors.ClusterOrchestrator.Link;
using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Nodes.Tests.Fakes;
using Xunit.Abstractions;

namespace Oakestra.Actors.Nodes.Tests;

public class InterestTests(ITestOutputHelper output) : NodesTestKit(output)
{
    [Fact]
    public void A_digest_composed_before_a_new_subscription_was_answered_keeps_the_interest_and_the_deltas_reach_the_worker()
    {
        // Seen in bench/ControlPlane at 1,000 workers per site: a worker's new local instance subscribed it to the
        // service, its digest (without the service: no routes yet) crossed the answer, the orchestrator dropped the
        // interest, and the delta that made the instance Running reached that worker only after its next digest (~5 s).
        var root = CreateTestProbe();
        root.IgnoreMessages(m => m is not (SubscribeService or UnsubscribeService));
        var orchestrator = Sys.ActorOf(OrchestratorActor.Props(new OrchestratorSettings("a"),
            RootLink.Props("a", new RootTransport.Fixed(Sys.ActorOf(AckingRoot.Props(root.Ref))), Lab.FastLink)));
        var worker = CreateTestProbe();
        orchestrator.Tell(new RegisterWorker("a", "w1", "10.0.0.1:50103", 1, 1, worker.Ref,
            Ipv4Prefix.Parse("10.18.0.64/26"), Ipv6Prefix.Parse("fc00::100/120")), worker.Ref);

        orchestrator.Tell(new SubscribeService(Svc.Id(1), "w1", worker.Ref), worker.Ref);
        Assert.Equal(Svc.Id(1), root.ExpectMsg<SubscribeService>().ServiceId);
        orchestrator.Tell(new WorkerDigest("a", "w1", worker.Ref, [], []), worker.Ref);
        orchestrator.Tell(new ServiceRoutesSnapshot(Svc.Routes(1, 1, Svc.Instance(1, 0, null))));
        orchestrator.Tell(new ServiceDelta(Svc.Id(1), 1, 2, [new InstanceUpserted(Svc.Instance(1, 1, null))]));

        Assert.Equal(1, ((ServiceRoutesSnapshot)worker.FishForMessage(m => m is ServiceRoutesSnapshot)).Routes.Version);
        Assert.Equal(2, ((ServiceDelta)worker.FishForMessage(m => m is ServiceDelta)).ToVersion);
        root.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // no unsubscribe at the root either
    }

    [Fact]
    public void A_query_by_Service_IP_and_one_by_Instance_IP_register_interest_at_both_levels_and_deltas_reach_exactly_those_workers()
    {
        using var lab = new Lab(Sys, workerSystems: 2);
        var orchestrator = lab.StartOrchestrator("a");
        var w = Enumerable.Range(1, 3).Select(i => lab.StartWorker("a", $"w{i}", orchestrator)).ToArray();
        Eventually(() => Assert.Equal(3, lab.Store.Read(s => s.Subnets.Count)));
        lab.Root.Tell(new DefineService(Svc.Routes(1, 1, Svc.Instance(1, 0, Svc.On(w[2], 1)))));
        lab.Root.Tell(new DefineService(Svc.Routes(2, 1, Svc.Instance(2, 0, Svc.On(w[2], 1)))));

        w[0].DataPlane.Miss(Svc.RoundRobinV4(1));
        Eventually(() => Assert.Equal(1, w[0].DataPlane.Service(Svc.Id(1))?.Version));
        w[1].DataPlane.Miss(Svc.InstanceV6(1, 0));
        Eventually(() => Assert.Equal(1, w[1].DataPlane.Service(Svc.Id(1))?.Version));
        Assert.True(lab.Store.IsSubscribed(Svc.Id(1), "a"));
        Assert.False(lab.Store.IsSubscribed(Svc.Id(2), "a"));

        // Migration of the instance to w2 (new epoch): both interested workers follow, w3 never hears of it.
        lab.Root.Tell(new ChangeService(Svc.Id(1), [new InstanceUpserted(Svc.Instance(1, 0, Svc.On(w[1], 2)))]));
        Eventually(() =>
        {
            foreach (var x in w[..2])
            {
                var target = Assert.Single(x.DataPlane.Service(Svc.Id(1))!.Instances);
                Assert.Equal((2L, "w2"), (target.Epoch, target.Node));
            }
        });
        Assert.True(w[1].DataPlane.Service(Svc.Id(1))!.Instances[0].Local);
        Assert.False(w[0].DataPlane.Service(Svc.Id(1))!.Instances[0].Local);
        Assert.False(w[2].DataPlane.EverHeld(Svc.Id(1)));
        Assert.All(w, x => Assert.False(x.DataPlane.EverHeld(Svc.Id(2))));
        // The orchestrator answered the second worker from its cache: the root resolved only the first address.
        Assert.Equal([Svc.RoundRobinV4(1)], lab.Store.ReceivedOf<ResolveRoute>().Select(r => r.Address).Distinct());
    }

    [Fact]
    public void Interest_expires_without_traffic_at_the_worker_and_at_the_root_when_the_last_worker_drops_it()
    {
        // The 10 s default, shortened; not to 1 s: in a clean-clone CI run the busy worker's usage (read every 100 ms)
        // once reached its route table more than 1 s late on the 2 cores and the busy worker dropped its service too.
        var expiry = TimeSpan.FromSeconds(3);
        using var lab = new Lab(Sys);
        var orchestrator = lab.StartOrchestrator("a");
        var busy = lab.StartWorker("a", "busy", orchestrator, expiry: expiry);
        var idle = lab.StartWorker("a", "idle", orchestrator, expiry: expiry);
        lab.Root.Tell(new DefineService(Svc.Routes(1, 1, Svc.Instance(1, 0, Svc.On(busy, 1)))));
        Eventually(() => Assert.Equal(2, lab.Store.Read(s => s.Subnets.Count)));

        busy.DataPlane.Traffic(Svc.RoundRobinV4(1), DateTime.MaxValue);
        busy.DataPlane.Miss(Svc.RoundRobinV4(1));
        idle.DataPlane.Miss(Svc.ClosestV6(1));
        Eventually(() => Assert.True(busy.DataPlane.Holds(Svc.Id(1)) && idle.DataPlane.Holds(Svc.Id(1))));

        Eventually(() => Assert.False(idle.DataPlane.Holds(Svc.Id(1))), TimeSpan.FromSeconds(20));
        Assert.True(busy.DataPlane.Holds(Svc.Id(1)));
        Assert.True(lab.Store.IsSubscribed(Svc.Id(1), "a"));

        // Still kept by traffic well past the expiry, and deltas now go to the busy worker only.
        lab.Root.Tell(new ChangeService(Svc.Id(1), [new InstanceUpserted(Svc.Instance(1, 0, Svc.On(idle, 2)))]));
        Eventually(() => Assert.Equal(2, busy.DataPlane.Service(Svc.Id(1))?.Version));
        Thread.Sleep(expiry * 2);
        Assert.True(busy.DataPlane.Holds(Svc.Id(1)));
        Assert.False(idle.DataPlane.Holds(Svc.Id(1)));

        busy.DataPlane.StopTraffic();
        Eventually(() => Assert.False(busy.DataPlane.Holds(Svc.Id(1))), TimeSpan.FromSeconds(20));
        Eventually(() => Assert.False(lab.Store.IsSubscribed(Svc.Id(1), "a")));
        Assert.Contains(new UnsubscribeService(Svc.Id(1), "a"), lab.Store.ReceivedOf<UnsubscribeService>());
    }

    [Fact]
    public void A_service_of_a_local_instance_is_subscribed_and_kept_without_traffic()
    {
        var expiry = TimeSpan.FromMilliseconds(500);
        using var lab = new Lab(Sys);
        var orchestrator = lab.StartOrchestrator("a");
        var worker = lab.StartWorker("a", "w1", orchestrator, expiry: expiry);
        Eventually(() => Assert.Equal(1, lab.Store.Read(s => s.Subnets.Count)));
        lab.Root.Tell(new DefineService(Svc.Routes(1, 1)));
        lab.Root.Tell(new DeployInstance(Svc.Launch(1, 0), "a", "w1"));

        Eventually(() =>
        {
            var target = Assert.Single(worker.DataPlane.Service(Svc.Id(1))?.Instances ?? []);
            Assert.True(target.Local);
            Assert.Single(worker.DataPlane.Last!.LocalInstances);
        });
        Thread.Sleep(expiry * 4);
        Assert.True(worker.DataPlane.Holds(Svc.Id(1)));
        Assert.True(lab.Store.IsSubscribed(Svc.Id(1), "a"));
    }
}
