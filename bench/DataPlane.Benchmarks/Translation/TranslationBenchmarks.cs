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
/// Cost of one translation on the forwarding thread. Each operation copies a 60–80 byte template into the
/// native buffer first (translation rewrites in place); <see cref="CopyOnly"/> measures that copy alone.
/// FlowHit: an established flow to a Round Robin Service IP (outgoing) and its reply (incoming).
/// NewFlow: every packet opens a new flow in a full table, so each one also evicts the longest-idle flow.
/// </summary>
[MemoryDiagnoser]
public unsafe class TranslationBenchmarks
{
    private const int Batch = 1024;
    private PacketTranslator _translator = null!;
    private byte[] _request = null!, _reply = null!;
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
        _request = Packet(protocol, v6 ? "fc00::1:1" : "10.19.1.1", v6 ? "fdff:2000::100" : "10.30.0.100", 40000, 80);
        _buffer = (byte*)NativeMemory.AlignedAlloc(2048, 64);
        // Open the flow once, then find out which instance it went to, to build the matching reply.
        Copy(_request);
        var meta = new PacketMeta { PeerIndex = -1 };
        _translator.Process(PacketSource.Tun, _buffer, _request.Length, ref meta);
        string target = meta.PeerIndex == 0 ? (v6 ? "fdff::1:2" : "10.30.1.2") : (v6 ? "fdff::1:3" : "10.30.1.3");
        _reply = Packet(protocol, target, v6 ? "fdff::a" : "10.30.0.10", 80, 40000);
    }

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
        var meta = new PacketMeta { PeerIndex = 0 };
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

    /// <summary>A valid packet with correct checksums (built off the measured path).</summary>
    private static byte[] Packet(byte protocol, string source, string destination, ushort sourcePort, ushort destinationPort)
    {
        var src = IPAddress.Parse(source);
        bool v6 = src.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        int ip = v6 ? 40 : 20, l4 = protocol == 6 ? 20 : 8, payload = 20;
        var p = new byte[ip + l4 + payload];
        if (v6)
        {
            p[0] = 0x60; BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), (ushort)(l4 + payload)); p[6] = protocol; p[7] = 64;
            src.TryWriteBytes(p.AsSpan(8), out _); IPAddress.Parse(destination).TryWriteBytes(p.AsSpan(24), out _);
        }
        else
        {
            p[0] = 0x45; BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)p.Length); p[8] = 64; p[9] = protocol;
            src.TryWriteBytes(p.AsSpan(12), out _); IPAddress.Parse(destination).TryWriteBytes(p.AsSpan(16), out _);
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(10), (ushort)~Sum(p.AsSpan(0, 20), 0));
        }
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(ip), sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(ip + 2), destinationPort);
        if (protocol == 6) { p[ip + 12] = 0x50; p[ip + 13] = 0x10; }
        else BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(ip + 4), (ushort)(l4 + payload));
        uint pseudo = Sum(v6 ? p.AsSpan(8, 32) : p.AsSpan(12, 8), (uint)(protocol + l4 + payload));
        ushort c = (ushort)~Sum(p.AsSpan(ip), pseudo);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(ip + (protocol == 6 ? 16 : 6)), c == 0 ? (ushort)0xFFFF : c);
        return p;
    }

    private static ushort Sum(ReadOnlySpan<byte> data, uint initial)
    {
        ulong s = initial;
        for (int i = 0; i + 1 < data.Length; i += 2) s += (uint)(data[i] << 8 | data[i + 1]);
        if ((data.Length & 1) != 0) s += (uint)(data[^1] << 8);
        while (s > 0xFFFF) s = (s & 0xFFFF) + (s >> 16);
        return (ushort)s;
    }
}
