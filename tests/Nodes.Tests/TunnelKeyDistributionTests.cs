using Akka.Actor;
using Akka.TestKit;
using Oakestra.Actors.ClusterOrchestrator.Link;
using Oakestra.Actors.ClusterOrchestrator.Actors;
using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Nodes.Tests.Fakes;
using Oakestra.Actors.WorkerNode.Actors;
using Xunit.Abstractions;
using WorkerLink = Oakestra.Actors.Contracts.Discovery.UpstreamLink;

namespace Oakestra.Actors.Nodes.Tests;

/// <summary>Public keys through the control plane: registration → orchestrator → every peer's view of its site's peers (snapshot, then deltas), and a restart's new salt after it.</summary>
public class TunnelKeyDistributionTests(ITestOutputHelper output) : NodesTestKit(output)
{
    [Fact]
    public void A_worker_registers_its_tunnel_key_and_salt()
    {
        var orchestrator = CreateTestProbe();
        var settings = new WorkerSettings("a", "w1", "192.0.2.1:50103") { TunnelPublicKey = "k1", TunnelSalt = "s1" };
        Sys.ActorOf(WorkerAgent.Props(settings, new FakeInstanceHost(), new RecordingDataPlane(), WorkerLink.Fixed(orchestrator.Ref)));

        var registration = orchestrator.ExpectMsg<RegisterWorker>();
        Assert.Equal(("k1", "s1"), (registration.TunnelPublicKey, registration.TunnelSalt));
    }

    [Fact]
    public void Every_peer_gets_each_worker_s_key_and_a_restarted_worker_s_new_salt()
    {
        var root = CreateTestProbe();
        root.IgnoreMessages(_ => true);
        var orchestrator = Sys.ActorOf(OrchestratorActor.Props(new OrchestratorSettings("a"),
            RootLink.Props("a", new RootTransport.Fixed(Sys.ActorOf(AckingRoot.Props(root.Ref))), Lab.FastLink)));
        var w1 = CreateTestProbe();
        var w2 = CreateTestProbe();

        Register(orchestrator, w1, "w1", "10.0.0.1:50103", 64, "salt-1");
        Register(orchestrator, w2, "w2", "10.0.0.2:50103", 128, "salt-2a");
        Assert.Equal(("w2-key", "salt-2a"), PeerAsSeenBy(w1, "w2", "salt-2a"));

        // w2 restarts: a new process (new actor) with the same key and a new salt.
        var w2Again = CreateTestProbe();
        Register(orchestrator, w2Again, "w2", "10.0.0.2:50103", 128, "salt-2b");
        Assert.Equal(("w2-key", "salt-2b"), PeerAsSeenBy(w1, "w2", "salt-2b"));
        Assert.Equal(("w1-key", "salt-1"), PeerAsSeenBy(w2Again, "w1", "salt-1"));
    }

    private static void Register(IActorRef orchestrator, TestProbe worker, string node, string endpoint, int subnet, string salt) =>
        orchestrator.Tell(new RegisterWorker("a", node, endpoint, 1, 1, worker.Ref,
            Ipv4Prefix.Parse($"10.18.0.{subnet}/26"), Ipv6Prefix.Parse($"fc00::{subnet:x}00/120"), node + "-key", salt), worker.Ref);

    private readonly Dictionary<TestProbe, PeerView> _views = new();

    /// <summary>What the worker's peer view holds once the peer messages it got show <paramref name="node"/> with <paramref name="salt"/>.</summary>
    private (string?, string?) PeerAsSeenBy(TestProbe worker, string node, string salt)
    {
        if (!_views.TryGetValue(worker, out var view)) _views[worker] = view = new PeerView([]);
        worker.FishForMessage(m =>
        {
            var outcome = m switch
            {
                SitePeersSnapshot s => view.Offer(s),
                SitePeersChanged d => view.Apply(d),
                _ => PeerOutcome.Ignored,
            };
            Assert.NotEqual(PeerOutcome.Gap, outcome);
            return view.Peers.Any(p => p.Node == node && p.TunnelSalt == salt);
        }, TimeSpan.FromSeconds(5));
        var peer = view.Peers.Single(p => p.Node == node);
        return (peer.TunnelPublicKey, peer.TunnelSalt);
    }
}
