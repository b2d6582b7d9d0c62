using System.Diagnostics;
using System.Net;
using Oakestra.Actors.DataPlane.Balancing;
using Oakestra.Actors.DataPlane.Flows;
using Oakestra.Actors.DataPlane.Forwarding;
using Oakestra.Actors.DataPlane.Misses;
using Oakestra.Actors.DataPlane.Routing;
using Oakestra.Actors.DataPlane.Translation;

namespace Oakestra.Actors.DataPlane.Tests.Support;

/// <summary>
/// A worker node's view used by most tests. This node stands in Munich.
/// Local: A and A2 (service client), L (service server). Peers: 0 Munich (RTT 10 ms), 1 Berlin (3 ms), 2 Hamburg (unmeasured).
/// server: RR 10.30.0.100 / fdff:2000::100, Closest 10.30.0.101 / fdff:1000::101 → L (local), S2 (peer 0), S3 (peer 1).
/// remote: RR 10.30.0.200 / fdff:2000::200, Closest 10.30.0.201 / fdff:1000::201 → R0 (peer 0), R1 (peer 1), R2 (peer 2).
/// </summary>
public static class Lab
{
    public const string ANs4 = "10.19.1.1", ANs6 = "fc00::1:1", AInst4 = "10.30.0.10", AInst6 = "fdff::a";
    public const string A2Ns4 = "10.19.1.2", A2Ns6 = "fc00::1:2", A2Inst4 = "10.30.0.11", A2Inst6 = "fdff::b";
    public const string LNs4 = "10.19.1.3", LNs6 = "fc00::1:3", LInst4 = "10.30.1.1", LInst6 = "fdff::1:1";
    public const string S2Inst4 = "10.30.1.2", S2Inst6 = "fdff::1:2", S3Inst4 = "10.30.1.3", S3Inst6 = "fdff::1:3";
    public const string ServerRr4 = "10.30.0.100", ServerRr6 = "fdff:2000::100", ServerClosest4 = "10.30.0.101", ServerClosest6 = "fdff:1000::101";
    public const string R0Inst4 = "10.30.2.1", R0Inst6 = "fdff::2:1", R1Inst4 = "10.30.2.2", R1Inst6 = "fdff::2:2", R2Inst4 = "10.30.2.3", R2Inst6 = "fdff::2:3";
    public const string RemoteRr4 = "10.30.0.200", RemoteRr6 = "fdff:2000::200", RemoteClosest4 = "10.30.0.201", RemoteClosest6 = "fdff:1000::201";

    public static readonly GeoPoint Munich = new(48.137, 11.575), Berlin = new(52.520, 13.405), Hamburg = new(53.551, 9.993);

    private static IPAddress Ip(string s) => IPAddress.Parse(s);

    public static PeerSpec[] Peers(TimeSpan? rtt0 = null, TimeSpan? rtt1 = null, TimeSpan? rtt2 = null) =>
    [
        new(new IPEndPoint(Ip("192.168.50.2"), 50103), Munich, rtt0 ?? TimeSpan.FromMilliseconds(10)),
        new(new IPEndPoint(Ip("192.168.50.3"), 50103), Berlin, rtt1 ?? TimeSpan.FromMilliseconds(3)),
        new(new IPEndPoint(Ip("192.168.50.4"), 50103), Hamburg, rtt2),
    ];

    /// <summary>
    /// The namespace tests' node: the client A (its Namespace IPv4 <paramref name="aNamespace"/>, where the test's socket binds)
    /// and the remote service with R0 on peer 0 and R1 on peer 1 of <paramref name="peers"/> (real endpoints).
    /// </summary>
    public static RouteTableSpec ClientBehindPeers(IPEndPoint[] peers, string aNamespace) => new(
        1, null, peers.Select(p => new PeerSpec(p)).ToArray(),
        [new LocalInstanceSpec("client", Ip(AInst4), null, Ip(aNamespace), null)],
        [new ServiceSpec("remote", [new(Ip(RemoteRr4), BalancingPolicyId.RoundRobin)],
            [new(Ip(R0Inst4), null, 0), new(Ip(R1Inst4), null, 1)])]);

    public static RouteTableSpec Spec(long version = 1, PeerSpec[]? peers = null, int r1Peer = 1, bool withRemote = true, int r0Peer = 0) => new(
        version,
        Munich,
        peers ?? Peers(),
        [
            new("client", Ip(AInst4), Ip(AInst6), Ip(ANs4), Ip(ANs6)),
            new("client", Ip(A2Inst4), Ip(A2Inst6), Ip(A2Ns4), Ip(A2Ns6)),
            new("server", Ip(LInst4), Ip(LInst6), Ip(LNs4), Ip(LNs6)),
        ],
        [
            new("server",
                [new(Ip(ServerRr4), BalancingPolicyId.RoundRobin), new(Ip(ServerRr6), BalancingPolicyId.RoundRobin),
                 new(Ip(ServerClosest4), BalancingPolicyId.Closest), new(Ip(ServerClosest6), BalancingPolicyId.Closest)],
                [new(Ip(LInst4), Ip(LInst6), InstanceSpec.Local), new(Ip(S2Inst4), Ip(S2Inst6), 0), new(Ip(S3Inst4), Ip(S3Inst6), 1)]),
            .. withRemote
                ? new[] { new ServiceSpec("remote",
                    [new(Ip(RemoteRr4), BalancingPolicyId.RoundRobin), new(Ip(RemoteRr6), BalancingPolicyId.RoundRobin),
                     new(Ip(RemoteClosest4), BalancingPolicyId.Closest), new(Ip(RemoteClosest6), BalancingPolicyId.Closest)],
                    [new(Ip(R0Inst4), Ip(R0Inst6), r0Peer), new(Ip(R1Inst4), Ip(R1Inst6), r1Peer), new(Ip(R2Inst4), Ip(R2Inst6), 2)]) }
                : [],
        ]);

    public static TranslatorOptions SmallOptions(int flows = 1024) => new(
        FlowTableOptions.Default with { Capacity = flows },
        MissQueueOptions.Default with { Destinations = 4, PacketsPerDestination = 3, Buffers = 16 });

    public static PacketTranslator Translator(RouteTableSpec? spec = null, TranslatorOptions? options = null)
    {
        var translator = new PacketTranslator(new SnapshotHolder(RouteSnapshot.Compile(spec ?? Spec())), options ?? SmallOptions());
        translator.SetTime(T0);
        return translator;
    }

    /// <summary>A fixed start of time so timeouts are deterministic.</summary>
    public const long T0 = 1_000_000_000;
    public static long After(TimeSpan t) => T0 + (long)(t.TotalSeconds * Stopwatch.Frequency);

    public static unsafe Disposition Run(this PacketTranslator t, PacketSource source, byte[] packet, ref PacketMeta meta)
    {
        fixed (byte* p = packet) return t.Process(source, p, packet.Length, ref meta);
    }

    public static Disposition FromTun(this PacketTranslator t, byte[] packet, out PacketMeta meta, bool needsChecksum = false)
    {
        meta = new PacketMeta { PeerIndex = -1, NeedsChecksum = needsChecksum };
        return t.Run(PacketSource.Tun, packet, ref meta);
    }

    public static Disposition FromTunnel(this PacketTranslator t, byte[] packet, int peer, out PacketMeta meta, TunnelFlags flags = TunnelFlags.None)
    {
        meta = new PacketMeta { PeerIndex = peer, TunnelFlags = flags };
        return t.Run(PacketSource.Tunnel, packet, ref meta);
    }
}

/// <summary>Collects what <see cref="IPacketProcessor.Poll{TSink}"/> emits.</summary>
public struct CollectingSink : IPacketSink
{
    public List<(Disposition Where, byte[] Packet, PacketMeta Meta)> Emitted;

    public CollectingSink() => Emitted = [];

    public unsafe void Emit(Disposition where, byte* packet, int length, in PacketMeta meta)
        => Emitted.Add((where, new ReadOnlySpan<byte>(packet, length).ToArray(), meta));
}

/// <summary>Counts emitted packets without allocating.</summary>
public struct CountingSink : IPacketSink
{
    public int Count;
    public unsafe void Emit(Disposition where, byte* packet, int length, in PacketMeta meta) => Count++;
}
