using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Oakestra.Actors.DataPlane.Balancing;
using Oakestra.Actors.DataPlane.Flows;
using Oakestra.Actors.DataPlane.Forwarding;
using Oakestra.Actors.DataPlane.Misses;
using Oakestra.Actors.DataPlane.Routing;
using Oakestra.Actors.DataPlane.Translation;

namespace Oakestra.Actors.DataPlane.Benchmarks.Translation;

public enum PacketKind { V4Tcp, V4Udp, V6Tcp, V6Udp }

/// <summary>
/// Cost of one translation on the forwarding thread with a single flow in the table and tiny packets: the
/// floor (everything cache-hot, perfectly predicted). <see cref="TranslationAtScaleBenchmarks"/> is the
/// realistic figure (thousands of flows, 1400-byte packets). Each operation copies a 48–80 byte template into the
/// native buffer first (translation rewrites in place); <see cref="CopyOnly"/> measures that copy alone.
/// FlowHit: an established flow to a Round Robin Service IP (outgoing) and its reply (incoming).
/// NewFlow: every packet opens a new flow in a full table, so each one also evicts the longest-idle flow.
/// </summary>
[MemoryDiagnoser, MinColumn, MedianColumn]
public unsafe class TranslationBenchmarks
{
    private const int Batch = 1024;
    private PacketTranslator _translator = null!;
    private byte[] _request = null!, _reply = null!;
    private int _replyPeer; // the tunnel believes a reply only from the peer its source lives on
    private byte* _buffer;

    [Params(PacketKind.V4Tcp, PacketKind.V4Udp, PacketKind.V6Tcp, PacketKind.V6Udp)]
    public PacketKind Kind { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Func<string, IPAddress> ip = IPAddress.Parse;
        var spec = new RouteTableSpec(1, new GeoPoint(48.1, 11.6),
            [new PeerSpec(new IPEndPoint(ip("192.168.50.2"), 50103)), new PeerSpec(new IPEndPoint(ip("192.168.50.3"), 50103))],
            [new LocalInstanceSpec("client", ip("10.30.0.10"), ip("fdff::a"), ip("10.19.1.1"), ip("fc00::1:1"))],
            [new ServiceSpec("server",
                [new(ip("10.30.0.100"), BalancingPolicyId.RoundRobin), new(ip("fdff:2000::100"), BalancingPolicyId.RoundRobin)],
                [new(ip("10.30.1.2"), ip("fdff::1:2"), 0), new(ip("10.30.1.3"), ip("fdff::1:3"), 1)])]);
        _translator = new PacketTranslator(new SnapshotHolder(RouteSnapshot.Compile(spec)),
            new TranslatorOptions(FlowTableOptions.Default with { Capacity = 16384 }, MissQueueOptions.Default));
        bool v6 = Kind is PacketKind.V6Tcp or PacketKind.V6Udp;
        byte protocol = Kind is PacketKind.V4Tcp or PacketKind.V6Tcp ? (byte)6 : (byte)17;
        _request = TranslationPackets.Build(protocol, v6 ? "fc00::1:1" : "10.19.1.1", v6 ? "fdff:2000::100" : "10.30.0.100", 40000, 80, SmallLength(v6, protocol));
        _buffer = (byte*)NativeMemory.AlignedAlloc(2048, 64);
        // Open the flow once, then find out which instance it went to, to build the matching reply.
        Copy(_request);
        var meta = new PacketMeta { PeerIndex = -1 };
        _translator.Process(PacketSource.Tun, _buffer, _request.Length, ref meta);
        _replyPeer = meta.PeerIndex;
        string target = meta.PeerIndex == 0 ? (v6 ? "fdff::1:2" : "10.30.1.2") : (v6 ? "fdff::1:3" : "10.30.1.3");
        _reply = TranslationPackets.Build(protocol, target, v6 ? "fdff::a" : "10.30.0.10", 80, 40000, SmallLength(v6, protocol));
    }

    // The headers and 20 bytes of payload: 48-80 bytes.
    private static int SmallLength(bool v6, byte protocol) => (v6 ? 40 : 20) + (protocol == 6 ? 20 : 8) + 20;

    [GlobalCleanup]
    public void Cleanup() => NativeMemory.AlignedFree(_buffer);

    private void Copy(byte[] template)
    {
        fixed (byte* t = template) Buffer.MemoryCopy(t, _buffer, 2048, template.Length);
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int CopyOnly()
    {
        int sum = 0;
        for (int i = 0; i < Batch; i++) { Copy(_request); sum += _buffer[0]; }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int OutgoingFlowHit()
    {
        int sum = 0;
        var meta = new PacketMeta { PeerIndex = -1 };
        for (int i = 0; i < Batch; i++)
        {
            Copy(_request);
            sum += (int)_translator.Process(PacketSource.Tun, _buffer, _request.Length, ref meta);
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int IncomingReplyFlowHit()
    {
        int sum = 0;
        var meta = new PacketMeta { PeerIndex = _replyPeer };
        for (int i = 0; i < Batch; i++)
        {
            Copy(_reply);
            sum += (int)_translator.Process(PacketSource.Tunnel, _buffer, _reply.Length, ref meta);
        }
        return sum;
    }

    private ushort _port;

    [Benchmark(OperationsPerInvoke = Batch)]
    public int OutgoingNewFlow()
    {
        int sum = 0;
        var meta = new PacketMeta { PeerIndex = -1 };
        int transport = _request[0] >> 4 == 4 ? 20 : 40;
        for (int i = 0; i < Batch; i++)
        {
            Copy(_request);
            // 65536 source ports cycle through a 16384-flow table: every packet is new and evicts one.
            BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(_buffer + transport, 2), _port++);
            sum += (int)_translator.Process(PacketSource.Tun, _buffer, _request.Length, ref meta);
        }
        return sum;
    }
}
