using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Oakestra.Actors.DataPlane.Tests.Support;
using Oakestra.Actors.DataPlane.Forwarding;
using Oakestra.Actors.DataPlane.Loop;
using Oakestra.Actors.DataPlane.Native;
using Oakestra.Actors.DataPlane.Tun;
using Oakestra.Actors.DataPlane.Tunnel;
using Oakestra.Actors.Tests.Shared;

namespace Oakestra.Actors.DataPlane.Tests.Io;

/// <summary>
/// Two "nodes" in two namespaces joined by a veth pair (10.78.0.1 ↔ 10.78.0.2). Each has a TUN (with offload)
/// holding its application address (A: 10.80.0.1 and fd00:80::1, B: 10.81.0.1 and fd00:81::1) and a route for the other's range into its
/// TUN, a UDP tunnel and a loop whose processor sends everything from the TUN to peer 0 and everything from
/// the tunnel into the TUN.
/// </summary>
internal sealed class TwoNodes : IDisposable
{
    private readonly List<IDisposable> _owned = [];
    private TunDevice _tunB = null!;
    private ForwardingLoopOptions _options = null!;
    private TimeSpan _probeInterval;
    private TunnelSecurity _security;

    public Netns A { get; private set; } = null!;
    public Netns B { get; private set; } = null!;
    public UdpTunnel TunnelA { get; private set; } = null!;
    public UdpTunnel TunnelB { get; private set; } = null!;
    public PeerForwardProcessor ProcessorA { get; } = new();
    public PeerForwardProcessor ProcessorB { get; } = new();
    public ForwardingLoop<PeerForwardProcessor> LoopA { get; private set; } = null!;
    public ForwardingLoop<PeerForwardProcessor> LoopB { get; private set; } = null!;

    public static TwoNodes Create(string tag, LoopThreading threading, TimeSpan? probeInterval = null, TunIo io = TunIo.Auto,
        TunnelSecurity security = TunnelSecurity.Aead)
    {
        var lab = new TwoNodes();
        try
        {
            lab.Build(tag, threading, probeInterval ?? TimeSpan.FromSeconds(1), io, security);
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    private void Build(string tag, LoopThreading threading, TimeSpan probeInterval, TunIo io, TunnelSecurity security)
    {
        A = Own(Netns.Create(tag + "a"));
        B = Own(Netns.Create(tag + "b"));
        A.Ip($"link add oio{tag}va type veth peer name oio{tag}vb netns {B.Name}");
        A.Ip($"addr add 10.78.0.1/24 dev oio{tag}va");
        B.Ip($"addr add 10.78.0.2/24 dev oio{tag}vb");
        A.Ip($"link set oio{tag}va up");
        B.Ip($"link set oio{tag}vb up");

        // A: dual-stack socket on ::, B: IPv4 socket on its address; both on the default port.
        TunnelA = Own(NetworkNamespace.Run(A.Name, () => UdpTunnel.Open(new UdpTunnelOptions { ProbeInterval = probeInterval, Security = security })));
        TunnelB = Own(NetworkNamespace.Run(B.Name, () => UdpTunnel.Open(new UdpTunnelOptions { BindAddress = IPAddress.Parse("10.78.0.2"), ProbeInterval = probeInterval, Security = security })));
        TunnelA.PublishPeers([PeerB]);
        TunnelB.PublishPeers([PeerA]);

        // Inner MTU leaves room for the tunnel's own headers on the 1500-byte veth.
        var mtu = 1500 - TunnelA.Overhead;
        var tunA = Own(NetworkNamespace.Run(A.Name, () => TunDevice.Open(new TunOptions($"oio{tag}ta") { BringUp = true, Mtu = mtu })));
        var tunB = Own(NetworkNamespace.Run(B.Name, () => TunDevice.Open(new TunOptions($"oio{tag}tb") { BringUp = true, Mtu = mtu })));
        A.Ip($"addr add 10.80.0.1/32 dev {tunA.Name}");
        A.Ip($"route add 10.81.0.0/16 dev {tunA.Name}");
        B.Ip($"addr add 10.81.0.1/32 dev {tunB.Name}");
        B.Ip($"route add 10.80.0.0/16 dev {tunB.Name}");
        A.Ip($"addr add fd00:80::1/128 dev {tunA.Name} nodad");
        A.Ip($"route add fd00:81::/32 dev {tunA.Name}");
        B.Ip($"addr add fd00:81::1/128 dev {tunB.Name} nodad");
        B.Ip($"route add fd00:80::/32 dev {tunB.Name}");

        var options = new ForwardingLoopOptions { Threading = threading, TunIo = io };
        (_tunB, _options, _probeInterval, _security) = (tunB, options, probeInterval, security);
        LoopA = Own(new ForwardingLoop<PeerForwardProcessor>(ProcessorA, tunA, TunnelA, options));
        LoopB = Own(new ForwardingLoop<PeerForwardProcessor>(ProcessorB, tunB, TunnelB, options));
        LoopA.Start();
        LoopB.Start();
    }

    /// <summary>
    /// B's process restarts: its loop and tunnel go, a new tunnel opens with the same key pair and a new salt
    /// (as a worker's would), knowing A as before. A still holds B's old start until it is given <see cref="PeerB"/> again.
    /// </summary>
    public void RestartB()
    {
        var keys = TunnelB.Identity.Keys;
        LoopB.Dispose();
        TunnelB.Dispose();
        TunnelB = Own(NetworkNamespace.Run(B.Name, () => UdpTunnel.Open(new UdpTunnelOptions
        {
            BindAddress = IPAddress.Parse("10.78.0.2"), ProbeInterval = _probeInterval, Security = _security, Identity = new TunnelIdentity(keys),
        })));
        TunnelB.PublishPeers([PeerA]);
        LoopB = Own(new ForwardingLoop<PeerForwardProcessor>(ProcessorB, _tunB, TunnelB, _options));
        LoopB.Start();
    }

    /// <summary>Each side as the other's peer list names it: endpoint, public key, salt of this start.</summary>
    public TunnelPeer PeerA => new(new IPEndPoint(IPAddress.Parse("10.78.0.1"), UdpTunnelOptions.DefaultPort), TunnelA.Identity.PublicKey, TunnelA.Identity.Salt);
    public TunnelPeer PeerB => new(new IPEndPoint(IPAddress.Parse("10.78.0.2"), UdpTunnelOptions.DefaultPort), TunnelB.Identity.PublicKey, TunnelB.Identity.Salt);

    private T Own<T>(T item) where T : IDisposable
    {
        _owned.Add(item);
        return item;
    }

    public void Dispose()
    {
        // Reverse creation order: loops before their TUN and tunnel, namespaces last.
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            try { _owned[i].Dispose(); } catch (Exception) { /* keep cleaning */ }
        }
    }
}

[Collection(NetnsCollection.Name)]
public sealed class TunnelTests
{
    [SkippableTheory]
    [InlineData(LoopThreading.Single, TunIo.Syscalls)]
    [InlineData(LoopThreading.Split, TunIo.Syscalls)]
    [InlineData(LoopThreading.Single, TunIo.IoUring)]
    [InlineData(LoopThreading.Split, TunIo.IoUring)]
    public void Udp_datagram_crosses_the_tunnel_to_the_other_node(LoopThreading threading, TunIo io)
    {
        Requires.RootWithNetns();
        using var lab = TwoNodes.Create($"u{(int)threading}{(int)io}", threading, io: io);
        using var receiver = NetworkNamespace.Run(lab.B.Name, () => UdpSockets.Bound("10.81.0.1", 9000));
        using var sender = NetworkNamespace.Run(lab.A.Name, () => UdpSockets.Bound("10.80.0.1", 0));

        var payload = RandomNumberGenerator.GetBytes(1200);
        sender.SendTo(payload, new IPEndPoint(IPAddress.Parse("10.81.0.1"), 9000));
        var buffer = new byte[2000];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        var n = receiver.ReceiveFrom(buffer, ref from);

        Assert.Equal(payload, buffer[..n]);
        Assert.Equal(IPAddress.Parse("10.80.0.1"), ((IPEndPoint)from).Address);
        Assert.True(Wait.Until(() => lab.LoopB.Counters.TunPacketsOut >= 1), lab.LoopB.Counters.ToString());
        Assert.True(lab.LoopA.Counters.IoDrops + lab.LoopB.Counters.IoDrops == 0, $"{lab.LoopA.Counters} / {lab.LoopB.Counters}");
    }

    [SkippableTheory]
    [InlineData(TunIo.Syscalls)]
    [InlineData(TunIo.IoUring)]
    public void Tcp_stream_crosses_the_tunnel_intact_with_gso_segments_cut_by_the_sender(TunIo io)
    {
        Requires.RootWithNetns();
        using var lab = TwoNodes.Create("t" + (int)io, LoopThreading.Single, io: io);
        var data = RandomNumberGenerator.GetBytes(8 << 20);

        var received = TunLoopTests.TcpTransfer(lab.B.Name, new IPEndPoint(IPAddress.Parse("10.81.0.1"), 9200),
            lab.A.Name, IPAddress.Parse("10.80.0.1"), new IPEndPoint(IPAddress.Parse("10.81.0.1"), 9200), data, expectedPeer: IPAddress.Parse("10.80.0.1"));

        Assert.Equal(SHA256.HashData(data), SHA256.HashData(received));
        Assert.True(lab.LoopA.Counters.GsoSegmented > 0, $"sender never saw a GSO packet: {lab.LoopA.Counters}");
        Assert.True(lab.ProcessorA.MaxLength > 1500);
        Assert.True(lab.ProcessorB.MaxLength <= 1500 - lab.TunnelA.Overhead, $"receiver got {lab.ProcessorB.MaxLength} B from the tunnel");
        Assert.True(lab.LoopA.Counters.IoDrops + lab.LoopB.Counters.IoDrops == 0, $"{lab.LoopA.Counters} / {lab.LoopB.Counters}");
    }

    [SkippableFact]
    public unsafe void Datagram_from_an_endpoint_outside_the_peer_list_is_dropped_and_counted()
    {
        Requires.RootWithNetns();
        using var lab = TwoNodes.Create("x", LoopThreading.Single);
        using var stranger = NetworkNamespace.Run(lab.A.Name, () => UdpSockets.Bound("10.78.0.1", 40000));

        // A well-formed data datagram carrying a UDP packet for B's address, from the right host but the wrong port.
        var datagram = new byte[TunnelHeader.Length + 28 + 4];
        fixed (byte* p = datagram) TunnelHeader.WritePlainData(p, TunnelFlags.None);
        var ip = datagram.AsSpan(TunnelHeader.Length);
        ip[0] = 0x45; ip[3] = 32; ip[8] = 64; ip[9] = 17;
        new byte[] { 10, 80, 0, 1, 10, 81, 0, 1 }.CopyTo(ip[12..]);
        var before = lab.LoopB.Counters;
        stranger.SendTo(datagram, new IPEndPoint(IPAddress.Parse("10.78.0.2"), UdpTunnelOptions.DefaultPort));

        Assert.True(Wait.Until(() => lab.LoopB.Counters.TunnelUnknownPeer == before.TunnelUnknownPeer + 1), lab.LoopB.Counters.ToString());
        Assert.Equal(before.TunnelPacketsIn, lab.LoopB.Counters.TunnelPacketsIn);
        Assert.Equal(0, Volatile.Read(ref lab.ProcessorB.FromTunnel));
    }

    [SkippableFact]
    public void Rtt_probes_measure_the_round_trip_to_each_peer()
    {
        Requires.RootWithNetns();
        using var lab = TwoNodes.Create("r", LoopThreading.Split, probeInterval: TimeSpan.FromMilliseconds(50));
        var peerOfA = new IPEndPoint(IPAddress.Parse("10.78.0.2"), UdpTunnelOptions.DefaultPort);

        Assert.True(Wait.Until(() => lab.TunnelA.Rtts[0]?.Samples >= 3), $"no RTT samples: {lab.LoopA.Counters} / {lab.LoopB.Counters}");
        Assert.True(lab.TunnelA.TryGetRtt(peerOfA, out var rtt));
        Assert.InRange(rtt, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(1));
        Assert.True(lab.TunnelB.TryGetRtt(new IPEndPoint(IPAddress.Parse("10.78.0.1"), UdpTunnelOptions.DefaultPort), out _));
        Assert.False(lab.TunnelA.TryGetRtt(new IPEndPoint(IPAddress.Parse("10.78.0.3"), UdpTunnelOptions.DefaultPort), out _));
        Assert.True(lab.LoopB.Counters.ProbesAnswered >= 3);

        // Republishing a list that keeps the peer keeps its measurements.
        var session = lab.TunnelA.SessionOf(peerOfA);
        lab.TunnelA.PublishPeers([lab.PeerB, new TunnelPeer(new IPEndPoint(IPAddress.Parse("10.78.0.3"), UdpTunnelOptions.DefaultPort))]);
        Assert.True(lab.TunnelA.TryGetRtt(peerOfA, out _));
        // ... and its session: the send counter goes on under the same keys, never from 0 again.
        Assert.NotNull(session);
        Assert.Same(session, lab.TunnelA.SessionOf(peerOfA));
    }
}

[Collection(NetnsCollection.Name)]
public sealed class TunnelPeerListTests
{
    [SkippableFact]
    public void Packet_for_a_peer_index_not_in_the_list_is_dropped_and_counted()
    {
        Requires.RootWithNetns();
        using var lab = TwoNodes.Create("p", LoopThreading.Single);
        lab.TunnelA.PublishPeers([(TunnelPeer?)null]); // slot 0 retired: the processor's peer 0 no longer exists
        using var sender = NetworkNamespace.Run(lab.A.Name, () =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(IPAddress.Parse("10.80.0.1"), 0));
            return s;
        });

        sender.SendTo(new byte[] { 1, 2, 3 }, new IPEndPoint(IPAddress.Parse("10.81.0.1"), 9000));

        Assert.True(Wait.Until(() => lab.LoopA.Counters.BadPeerIndex >= 1), lab.LoopA.Counters.ToString());
        Assert.Equal(0, lab.LoopB.Counters.TunnelPacketsIn);
    }

    [SkippableFact]
    public void Nodes_talk_over_an_ipv6_underlay()
    {
        Requires.RootWithNetns();
        using var lab = TwoNodes.Create("6", LoopThreading.Single);
        lab.A.Ip("addr add fd00:78::1/64 dev oio6va nodad");
        lab.B.Ip("addr add fd00:78::2/64 dev oio6vb nodad");
        // A's tunnel is dual-stack; B gets a second, dual-stack tunnel (tunnel-only loop) and the two peer over IPv6.
        using var tunnelB6 = NetworkNamespace.Run(lab.B.Name, () => UdpTunnel.Open(new UdpTunnelOptions { Port = 50104 }));
        var peerB6 = new IPEndPoint(IPAddress.Parse("fd00:78::2"), 50104);
        lab.TunnelA.PublishPeers([new TunnelPeer(peerB6, tunnelB6.Identity.PublicKey, tunnelB6.Identity.Salt)]);
        tunnelB6.PublishPeers([new TunnelPeer(new IPEndPoint(IPAddress.Parse("fd00:78::1"), UdpTunnelOptions.DefaultPort), lab.TunnelA.Identity.PublicKey, lab.TunnelA.Identity.Salt)]);
        var processorB6 = new PeerForwardProcessor();
        using var loopB6 = new ForwardingLoop<PeerForwardProcessor>(processorB6, null, tunnelB6, new ForwardingLoopOptions());
        loopB6.Start();

        Assert.True(Wait.Until(() => lab.TunnelA.TryGetRtt(peerB6, out _)), $"{lab.LoopA.Counters} / {loopB6.Counters}");
        Assert.True(loopB6.Counters.ProbesAnswered >= 1);
    }
}
