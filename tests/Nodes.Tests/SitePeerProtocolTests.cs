using Akka.Actor;
using Akka.TestKit;
using Oakestra.Actors.ClusterOrchestrator.Actors;
using Oakestra.Actors.ClusterOrchestrator.Link;
using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Nodes.Tests.Fakes;
using Oakestra.Actors.WorkerNode.Actors;
using Xunit.Abstractions;

namespace Oakestra.Actors.Nodes.Tests;

/// <summary>
/// The site's peer set, versioned: what the orchestrator's <see cref="PeerDirectory"/> sends each worker (delta on
/// the version it holds, snapshot otherwise) and what a worker's <see cref="PeerView"/> makes of it.
/// </summary>
public class SitePeerProtocolTests(ITestOutputHelper output) : NodesTestKit(output)
{
    private static readonly DateTime T0 = new(2026, 12, 4, 12, 0, 0, DateTimeKind.Utc);

    private static SitePeer Peer(int n, string salt = "s") => new("a", $"w{n}", $"10.0.0.{n}:50103", n, n, $"k{n}", salt);

    private static SitePeer[] Peers(params int[] nodes) => nodes.Select(n => Peer(n)).ToArray();

    private static string[] Nodes(params int[] nodes) => nodes.Select(n => $"w{n}").ToArray();

    /// <summary>Plays what the directory sends one worker into that worker's view; true when nothing was a gap.</summary>
    private static bool Deliver(IEnumerable<PeerSend> sends, string node, PeerView view)
    {
        var ok = true;
        foreach (var s in sends.Where(s => s.Node == node))
            ok &= (s.Message switch
            {
                SitePeersSnapshot snap => view.Offer(snap),
                SitePeersChanged d => view.Apply(d),
                _ => throw new InvalidOperationException(),
            }) != PeerOutcome.Gap;
        return ok;
    }

    [Fact]
    public void A_new_worker_gets_the_snapshot_and_a_worker_at_the_version_before_gets_the_delta_only()
    {
        var dir = new PeerDirectory("a", 100);
        var first = dir.Flush(Peers(1, 2), Nodes(1, 2), T0);
        Assert.All(first, s => Assert.IsType<SitePeersSnapshot>(s.Message));
        Assert.Equal(2, first.Count);

        var second = dir.Flush(Peers(1, 2, 3), Nodes(1, 2, 3), T0);
        var toW1 = Assert.Single(second, s => s.Node == "w1").Message;
        var delta = Assert.IsType<SitePeersChanged>(toW1);
        Assert.Equal((101L, 102L), (delta.FromVersion, delta.ToVersion));
        Assert.Equal(["w3"], delta.Upserted.Select(p => p.Node));
        Assert.Empty(delta.RemovedNodes);
        var toW3 = Assert.IsType<SitePeersSnapshot>(Assert.Single(second, s => s.Node == "w3").Message);
        Assert.Equal(Nodes(1, 2, 3), toW3.Peers.Select(p => p.Node));
        Assert.Equal(102L, toW3.Version);

        // Nothing changed, nobody new: nothing to send.
        Assert.Empty(dir.Flush(Peers(1, 2, 3), Nodes(1, 2, 3), T0));
    }

    [Fact]
    public void A_removed_node_and_a_restarted_worker_s_new_salt_go_as_one_delta()
    {
        var dir = new PeerDirectory("a", 1);
        var view = new PeerView([]);
        Assert.True(Deliver(dir.Flush(Peers(1, 2, 3), Nodes(1, 2, 3), T0), "w1", view));

        var sends = dir.Flush([Peer(1), Peer(2, salt: "s2-after-restart")], Nodes(1, 2), T0);
        var delta = Assert.IsType<SitePeersChanged>(Assert.Single(sends, s => s.Node == "w1").Message);
        Assert.Equal(["w3"], delta.RemovedNodes);
        Assert.Equal("s2-after-restart", Assert.Single(delta.Upserted).TunnelSalt);
        Assert.True(Deliver(sends, "w1", view));
        Assert.Equal(Nodes(1, 2), view.Peers.Select(p => p.Node));
        Assert.Equal("s2-after-restart", view.Peers.Single(p => p.Node == "w2").TunnelSalt);
        Assert.Equal(dir.Version, view.Version);
    }

    [Fact]
    public void A_worker_that_sees_a_gap_asks_and_the_next_flush_sends_it_the_snapshot()
    {
        var dir = new PeerDirectory("a", 1);
        var view = new PeerView([]);
        Deliver(dir.Flush(Peers(1, 2), Nodes(1, 2), T0), "w1", view);
        dir.Flush(Peers(1, 2, 3), Nodes(1, 2), T0); // the delta to w1 is lost on the way
        var next = dir.Flush(Peers(1, 2, 3, 4), Nodes(1, 2), T0);

        Assert.False(Deliver(next, "w1", view)); // the delta names a version w1 does not hold
        Assert.Equal(Nodes(1, 2), view.Peers.Select(p => p.Node)); // left as it was

        dir.Forget("w1"); // its RequestSitePeers
        var repair = dir.Flush(Peers(1, 2, 3, 4), Nodes(1, 2), T0);
        Assert.IsType<SitePeersSnapshot>(Assert.Single(repair).Message);
        Assert.True(Deliver(repair, "w1", view));
        Assert.Equal(Nodes(1, 2, 3, 4), view.Peers.Select(p => p.Node));
        Assert.Equal(dir.Version, view.Version);
    }

    [Fact]
    public void A_burst_of_registrations_is_one_delta_per_flush_and_large_sets_go_in_parts()
    {
        var dir = new PeerDirectory("a", 1, chunkPeers: 100);
        var all = Enumerable.Range(1, 250).ToArray();
        var first = dir.Flush(Peers(all[..10]), Nodes(all[..10]), T0);
        Assert.Equal(10, first.Count); // one snapshot part each

        // 240 registrations within one flush: every earlier worker gets 3 deltas (100 entries at most each), the new
        // ones a snapshot of 3 parts (250 peers, 100 a part), not one message per registration.
        var burst = dir.Flush(Peers(all), Nodes(all), T0);
        Assert.All(burst.GroupBy(s => s.Node), g => Assert.Equal(3, g.Count()));
        Assert.All(burst.Select(s => s.Message), m => Assert.True(m switch
        {
            SitePeersSnapshot s => s.Peers.Count <= 100,
            SitePeersChanged d => d.Upserted.Count + d.RemovedNodes.Count <= 100,
            _ => false,
        }));
        foreach (var node in new[] { "w1", "w250" })
        {
            var view = new PeerView([]);
            if (node == "w1") Deliver(first, node, view);
            Assert.True(Deliver(burst, node, view));
            Assert.Equal(250, view.Peers.Count);
            Assert.Equal(dir.Version, view.Version);
        }
    }

    [Fact]
    public void A_snapshot_is_taken_only_once_all_its_parts_are_there_and_replaces_what_the_node_remembered()
    {
        var view = new PeerView(Peers(7, 8)); // remembered from an earlier process
        Assert.Null(view.Version);
        Assert.Equal(PeerOutcome.Gap, view.Apply(new SitePeersChanged("a", 5, 6, Peers(9), [])));
        Assert.Equal(PeerOutcome.Ignored, view.Offer(new SitePeersSnapshot("a", 6, 1, 2, Peers(3))));
        Assert.Equal(Nodes(7, 8), view.Peers.Select(p => p.Node));
        Assert.Equal(PeerOutcome.Applied, view.Offer(new SitePeersSnapshot("a", 6, 0, 2, Peers(1, 2))));
        Assert.Equal(Nodes(1, 2, 3), view.Peers.Select(p => p.Node));
        Assert.Equal(6L, view.Version);
        Assert.Equal(PeerOutcome.Ignored, view.Apply(new SitePeersChanged("a", 5, 6, Peers(9), []))); // already held
    }

    [Fact]
    public void A_digest_that_lags_behind_what_was_sent_a_while_ago_brings_a_snapshot()
    {
        var dir = new PeerDirectory("a", 1);
        dir.Flush(Peers(1, 2), Nodes(1, 2), T0);
        var sent = dir.SentTo("w1");
        Assert.False(dir.Lags("w1", sent, T0.AddSeconds(10), TimeSpan.FromSeconds(5)));
        Assert.False(dir.Lags("w1", null, T0.AddSeconds(1), TimeSpan.FromSeconds(5))); // may still be on its way
        Assert.True(dir.Lags("w1", null, T0.AddSeconds(6), TimeSpan.FromSeconds(5)));
        Assert.IsType<SitePeersSnapshot>(Assert.Single(dir.Flush(Peers(1, 2), Nodes(1, 2), T0.AddSeconds(6))).Message);
    }

    [Fact]
    public void Versions_of_a_restarted_orchestrator_start_past_its_predecessor_s()
    {
        var before = new PeerDirectory("a", PeerDirectory.FirstVersionAt(T0));
        for (var i = 0; i < 1000; i++) before.Flush(Peers(i % 7 + 1), [], T0);
        Assert.True(PeerDirectory.FirstVersionAt(T0.AddSeconds(1)) > before.Version);
    }

    [Fact]
    public void Two_hundred_workers_registering_at_once_get_a_few_peer_messages_each_not_one_per_registration()
    {
        const int n = 200;
        var root = CreateTestProbe();
        root.IgnoreMessages(_ => true);
        var orchestrator = Sys.ActorOf(OrchestratorActor.Props(new OrchestratorSettings("a") { PeerFlushDelay = TimeSpan.FromMilliseconds(500) },
            RootLink.Props("a", new RootTransport.Fixed(Sys.ActorOf(AckingRoot.Props(root.Ref))), Lab.FastLink)));
        var workers = Enumerable.Range(0, n).Select(_ => CreateTestProbe()).ToArray();
        for (var i = 0; i < n; i++)
            orchestrator.Tell(new RegisterWorker("a", $"w{i}", $"10.0.{i / 250}.{i % 250 + 1}:50103", 1, 1, workers[i].Ref,
                Ipv4Prefix.Parse($"10.18.{i / 4}.{i % 4 * 64}/26"), Ipv6Prefix.Parse($"fc00::{i + 1:x}00/120"), $"k{i}", $"s{i}"), workers[i].Ref);

        var counts = new int[n];
        for (var i = 0; i < n; i++)
        {
            var view = new PeerView([]);
            var index = i;
            workers[i].FishForMessage(m =>
            {
                if (m is not (SitePeersSnapshot or SitePeersChanged)) return false;
                counts[index]++;
                Assert.NotEqual(PeerOutcome.Gap, m is SitePeersSnapshot s ? view.Offer(s) : view.Apply((SitePeersChanged)m));
                return view.Peers.Count == n;
            }, TimeSpan.FromSeconds(20));
            Assert.Equal($"s{n - 1}", view.Peers.Single(p => p.Node == $"w{n - 1}").TunnelSalt);
        }
        // What else came (nothing should, once every worker holds all of them), a flush later.
        Thread.Sleep(TimeSpan.FromSeconds(1));
        for (var i = 0; i < n; i++)
            while (workers[i].HasMessages)
                if (workers[i].ReceiveOne(TimeSpan.Zero) is SitePeersSnapshot or SitePeersChanged) counts[i]++;

        var total = counts.Sum();
        Output.WriteLine($"{n} registrations: {total} peer messages in all (max {counts.Max()} per worker); sending the whole list at every registration took {n * (n + 1) / 2}");
        Assert.True(counts.Max() < 5, $"a worker got {counts.Max()} peer messages for {n} registrations");
    }
}
