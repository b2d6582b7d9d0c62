using System.Net;
using System.Net.Sockets;
using Oakestra.Actors.DataPlane.Tests.Support;
using Oakestra.Actors.DataPlane.Loop;
using Oakestra.Actors.DataPlane.Native;
using Oakestra.Actors.DataPlane.Tunnel;
using Oakestra.Actors.Tests.Shared;

namespace Oakestra.Actors.DataPlane.Tests.Io;

/// <summary>The sealed tunnel on the real loop: nothing allocated per packet, plain mode still works, a keyless peer is counted.</summary>
[Collection(NetnsCollection.Name)]
public sealed class SealedTunnelTests
{
    [SkippableTheory]
    [InlineData(LoopThreading.Single, TunnelSecurity.Aead)]
    [InlineData(LoopThreading.Split, TunnelSecurity.Aead)]
    [InlineData(LoopThreading.Split, TunnelSecurity.None)]
    public void Sealing_and_opening_allocate_nothing_on_the_loop_threads_over_100000_packets(LoopThreading threading, TunnelSecurity security)
    {
        Requires.RootWithNetns();
        // Probes every 20 ms, so the sealed probe and reply paths are warm as well before counting.
        using var lab = TwoNodes.Create($"z{(int)threading}{(int)security}", threading, probeInterval: TimeSpan.FromMilliseconds(20), security: security);
        using var sender = NetworkNamespace.Run(lab.A.Name, () => UdpSockets.Bound("10.80.0.1"));
        var target = new IPEndPoint(IPAddress.Parse("10.81.0.1"), 9000);
        var payload = new byte[64];
        using var stop = new CancellationTokenSource();
        var sending = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                for (var i = 0; i < 64; i++) sender.SendTo(payload, target);
                Thread.Yield(); // let the loops keep up on two shared cores
            }
        });
        try
        {
            Assert.True(Wait.Until(() => lab.LoopB.Counters.TunnelPacketsIn >= 20_000 && lab.LoopB.Counters.ProbesSent >= 50, TimeSpan.FromSeconds(120)), $"warm-up stalled: {lab.LoopA.Counters} / {lab.LoopB.Counters}");
            // Each thread makes its AEAD objects on its first packet for a session (a key change, not a packet):
            // have B's TUN thread seal once too before counting.
            using (var back = NetworkNamespace.Run(lab.B.Name, () => UdpSockets.Bound("10.81.0.1")))
            {
                var fromB = lab.LoopA.Counters.TunnelPacketsIn;
                for (var i = 0; i < 20; i++) back.SendTo(payload, new IPEndPoint(IPAddress.Parse("10.80.0.1"), 9000));
                Assert.True(Wait.Until(() => lab.LoopA.Counters.TunnelPacketsIn > fromB + 5), lab.LoopA.Counters.ToString());
            }
            // Two windows of 100,000: the first has shown 480 B once on the receiving tunnel thread in Split, and 0 with
            // DOTNET_TieredPGO=0 or DOTNET_TieredCompilation=0: the runtime's instrumented tier, not the packet path.
            // The second window must be 0.
            var first = Window(lab);
            var second = Window(lab);
            Console.Error.WriteLine($"sealed {threading}: loop thread bytes over 100,000 packets, first window {first}, second {second}");
            Assert.Equal((0L, 0L), second);
        }
        finally
        {
            stop.Cancel();
            sending.Wait(TimeSpan.FromSeconds(10));
        }
        var b = lab.LoopB.Counters;
        Assert.Equal((0L, 0L), (b.TunnelAuthFailed, b.TunnelReplayed));
        if (security == TunnelSecurity.None) return;
        Assert.NotNull(lab.TunnelA.SessionOf(lab.PeerB.EndPoint));
        Assert.True(lab.TunnelA.SessionOf(lab.PeerB.EndPoint)!.Sent >= 220_000);
    }

    /// <summary>Bytes each node's loop threads allocated while B took in 100,000 more tunnel packets.</summary>
    private static (long A, long B) Window(TwoNodes lab)
    {
        var beforeA = lab.LoopA.LoopThreadAllocatedBytes;
        var beforeB = lab.LoopB.LoopThreadAllocatedBytes;
        var received = lab.LoopB.Counters.TunnelPacketsIn;
        Assert.True(Wait.Until(() => lab.LoopB.Counters.TunnelPacketsIn >= received + 100_000, TimeSpan.FromSeconds(300)), $"stalled: {lab.LoopA.Counters} / {lab.LoopB.Counters}");
        return (lab.LoopA.LoopThreadAllocatedBytes - beforeA, lab.LoopB.LoopThreadAllocatedBytes - beforeB);
    }

    /// <summary>
    /// The batched path sealed: TCP super-packets cut and sealed into UDP GSO runs, opened from GRO runs and
    /// coalesced into TUN writes, with nothing allocated on either loop thread over 100,000 packets.
    /// </summary>
    [SkippableFact]
    public void A_sealed_tcp_stream_through_gso_gro_and_coalesced_writes_allocates_nothing_over_100000_packets()
    {
        Requires.RootWithNetns();
        using var lab = TwoNodes.Create("zt", LoopThreading.Single, security: TunnelSecurity.Aead);
        using var listener = NetworkNamespace.Run(lab.B.Name, () =>
        {
            var l = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            l.Bind(new IPEndPoint(IPAddress.Parse("10.81.0.1"), 9500));
            l.Listen(1);
            return l;
        });
        using var client = NetworkNamespace.Run(lab.A.Name, () =>
        {
            var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { SendTimeout = 30_000 };
            c.Bind(new IPEndPoint(IPAddress.Parse("10.80.0.1"), 0));
            return c;
        });
        var accept = listener.AcceptAsync();
        client.Connect(new IPEndPoint(IPAddress.Parse("10.81.0.1"), 9500));
        using var server = accept.Result;
        using var stop = new CancellationTokenSource();
        var chunk = new byte[1 << 16];
        var sending = Task.Run(() => { while (!stop.IsCancellationRequested) client.Send(chunk); });
        var draining = Task.Run(() => { var b = new byte[1 << 16]; while (server.Receive(b) > 0) { } });
        try
        {
            Assert.True(Wait.Until(() => lab.LoopB.Counters.TunnelPacketsIn >= 50_000, TimeSpan.FromSeconds(120)), $"warm-up stalled: {lab.LoopA.Counters} / {lab.LoopB.Counters}");
            var first = Window(lab);
            var second = Window(lab);
            Console.Error.WriteLine($"sealed tcp: loop thread bytes over 100,000 packets, first window {first}, second {second}; {lab.LoopA.Counters} / {lab.LoopB.Counters}");
            Assert.Equal((0L, 0L), second);
            var (a, b) = (lab.LoopA.Counters, lab.LoopB.Counters);
            Assert.True(a.TunnelSegmentedSends > 0 && b.TunnelCoalescedReceives > 0 && b.TunCoalescedWrites > 0, $"the batched path did not run: {a} / {b}");
            Assert.Equal((0L, 0L), (b.TunnelAuthFailed, b.TunnelReplayed));
        }
        finally
        {
            stop.Cancel();
            sending.Wait(TimeSpan.FromSeconds(10));
            client.Shutdown(SocketShutdown.Both);
            draining.Wait(TimeSpan.FromSeconds(10));
        }
    }

    [SkippableFact]
    public void With_security_none_plain_datagrams_cross()
    {
        Requires.RootWithNetns();
        using var lab = TwoNodes.Create("n", LoopThreading.Single, security: TunnelSecurity.None);
        using var receiver = NetworkNamespace.Run(lab.B.Name, () => UdpSockets.Bound("10.81.0.1", 9000));
        using var sender = NetworkNamespace.Run(lab.A.Name, () => UdpSockets.Bound("10.80.0.1"));
        sender.SendTo(new byte[] { 1, 2, 3 }, new IPEndPoint(IPAddress.Parse("10.81.0.1"), 9000));
        var buffer = new byte[16];
        Assert.Equal(3, receiver.Receive(buffer));
        Assert.Null(lab.TunnelA.SessionOf(lab.PeerB.EndPoint));
        Assert.Equal(TunnelHeader.Length + 8 + 40, lab.TunnelA.Overhead); // dual-stack A, no tag in plain mode
    }

    [SkippableFact]
    public void A_peer_whose_key_has_not_arrived_gets_nothing_and_its_datagrams_are_refused()
    {
        Requires.RootWithNetns();
        using var lab = TwoNodes.Create("k", LoopThreading.Single);
        lab.TunnelA.PublishPeers([new TunnelPeer(lab.PeerB.EndPoint)]); // B known by address only
        using var sender = NetworkNamespace.Run(lab.A.Name, () => UdpSockets.Bound("10.80.0.1"));
        sender.SendTo(new byte[] { 1 }, new IPEndPoint(IPAddress.Parse("10.81.0.1"), 9000));

        Assert.True(Wait.Until(() => lab.LoopA.Counters.TunnelNoKey >= 1), lab.LoopA.Counters.ToString());
        // B still seals its probes to A; A cannot open them without B's key.
        Assert.True(Wait.Until(() => lab.LoopA.Counters.TunnelAuthFailed >= 1, TimeSpan.FromSeconds(5)), lab.LoopA.Counters.ToString());
        Assert.Equal(0, lab.LoopB.Counters.TunnelPacketsIn);
    }

    [SkippableFact]
    public void A_restarted_peer_gets_new_keys_and_traffic_resumes_once_the_new_peer_list_arrives()
    {
        Requires.RootWithNetns();
        using var lab = TwoNodes.Create("s", LoopThreading.Single);
        using var receiver = NetworkNamespace.Run(lab.B.Name, () => UdpSockets.Bound("10.81.0.1", 9000));
        using var sender = NetworkNamespace.Run(lab.A.Name, () => UdpSockets.Bound("10.80.0.1"));
        var target = new IPEndPoint(IPAddress.Parse("10.81.0.1"), 9000);
        var buffer = new byte[16];
        sender.SendTo(new byte[] { 1 }, target);
        Assert.Equal(1, receiver.Receive(buffer));
        var before = lab.TunnelA.SessionOf(lab.PeerB.EndPoint);

        lab.RestartB();
        sender.SendTo(new byte[] { 2 }, target); // sealed under B's previous start
        Assert.True(Wait.Until(() => lab.LoopB.Counters.TunnelAuthFailed >= 1), lab.LoopB.Counters.ToString());
        Assert.Equal(0, lab.LoopB.Counters.TunnelPacketsIn);

        lab.TunnelA.PublishPeers([lab.PeerB]); // the control plane's new SitePeers: B's new salt
        Assert.NotSame(before, lab.TunnelA.SessionOf(lab.PeerB.EndPoint));
        sender.SendTo(new byte[] { 3, 3 }, target);
        Assert.Equal(2, receiver.Receive(buffer));
        Assert.Equal(3, buffer[0]);
    }
}
