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

/// <summary>
/// Cost of one whole <see cref="PacketTranslator.Process"/> call on a warm flow table of realistic size:
/// 4096 established flows (8 local senders × 512 source ports, spread by Round Robin over 4 services ×
/// 8 remote instances on 4 peers) in a table of the default capacity (32768). Every packet has a realistic
/// length (1400 bytes, the instances' MTU 1450 minus slack) and sits in one of 64 rotating 2 KiB buffers, as
/// a TUN read lands in one of the forwarding loop's reused slots; the flows are visited in a shuffled order,
/// so each lookup lands on another part of the table (no single hot entry). Before each call the packet's
/// first 64 bytes (all headers) are written from its flow's template, as the read would have written them;
/// <see cref="RestoreOnly"/> measures that copy alone (subtract it).
/// (Until 2026-11-26 every flow had its own buffer: 8 MiB of 4 KiB pages, whose TLB misses made some runs
/// bimodal, 45 or 85 ns for the same case, a cost the loop with its few slots never pays.)
/// OutgoingFlowHit: a local instance sends on its flow to a Service IP (→ tunnel).
/// IncomingReplyFlowHit: the remote instance's reply arrives from the tunnel (→ TUN, source = Service IP).
/// OutgoingNewFlow: every packet opens a new flow in a full table, so each also evicts the longest-idle one.
/// </summary>
[MemoryDiagnoser, MinColumn, MedianColumn]
public unsafe class TranslationAtScaleBenchmarks
{
    private const int Flows = 4096, Senders = 8, Services = 4, InstancesPerService = 8, Peers = 4;
    private const int PacketLength = 1400, Slot = 2048, HeaderBytes = 64, LoopSlots = 64;
    private PacketTranslator _translator = null!;
    private byte* _arena, _requests, _replies;
    private int[] _order = null!, _replyPeer = null!;
    private PacketKind _kind;

    [Params(PacketKind.V4Tcp, PacketKind.V4Udp, PacketKind.V6Tcp, PacketKind.V6Udp)]
    public PacketKind Kind { get => _kind; set => _kind = value; }

    [GlobalSetup]
    public void Setup()
    {
        Func<string, IPAddress> ip = IPAddress.Parse;
        var peers = Enumerable.Range(0, Peers).Select(p => new PeerSpec(new IPEndPoint(ip($"192.168.50.{p + 2}"), 50103))).ToArray();
        var locals = Enumerable.Range(0, Senders).Select(s =>
            new LocalInstanceSpec("client", ip($"10.30.0.{10 + s}"), ip($"fdff::{10 + s:x}"), ip($"10.19.1.{1 + s}"), ip($"fc00::1:{1 + s:x}"))).ToArray();
        var services = Enumerable.Range(0, Services).Select(v => new ServiceSpec($"server{v}",
            [new(ip($"10.30.0.{100 + v}"), BalancingPolicyId.RoundRobin), new(ip($"fdff:2000::{100 + v:x}"), BalancingPolicyId.RoundRobin)],
            Enumerable.Range(0, InstancesPerService).Select(i =>
                new InstanceSpec(ip($"10.30.{1 + v}.{2 + i}"), ip($"fdff::{1 + v:x}:{2 + i:x}"), i % Peers)).ToArray())).ToArray();
        var spec = new RouteTableSpec(1, new GeoPoint(48.1, 11.6), peers, locals, services);
        _translator = new PacketTranslator(new SnapshotHolder(RouteSnapshot.Compile(spec)),
            new TranslatorOptions(FlowTableOptions.Default, MissQueueOptions.Default));

        bool v6 = Kind is PacketKind.V6Tcp or PacketKind.V6Udp;
        byte protocol = Kind is PacketKind.V4Tcp or PacketKind.V6Tcp ? (byte)6 : (byte)17;
        _arena = (byte*)NativeMemory.AlignedAlloc((nuint)LoopSlots * Slot, 64);
        _requests = (byte*)NativeMemory.AlignedAlloc((nuint)Flows * HeaderBytes, 64);
        _replies = (byte*)NativeMemory.AlignedAlloc((nuint)Flows * HeaderBytes, 64);
        _replyPeer = new int[Flows];
        int ipHeader = v6 ? 40 : 20;
        for (int f = 0; f < Flows; f++)
        {
            int sender = f % Senders, service = f / Senders % Services;
            ushort port = (ushort)(20000 + f);
            var request = TranslationPackets.Build(protocol, v6 ? $"fc00::1:{1 + sender:x}" : $"10.19.1.{1 + sender}",
                v6 ? $"fdff:2000::{100 + service:x}" : $"10.30.0.{100 + service}", port, 80, PacketLength);
            new ReadOnlySpan<byte>(request, 0, HeaderBytes).CopyTo(new Span<byte>(_requests + f * HeaderBytes, HeaderBytes));
            // Open the flow, then answer from the instance it went to: the rewritten packet's addresses swapped.
            byte* packet = _arena;
            request.CopyTo(new Span<byte>(packet, PacketLength));
            var meta = new PacketMeta { PeerIndex = -1 };
            if (_translator.Process(PacketSource.Tun, packet, PacketLength, ref meta) != Disposition.ToTunnel)
                throw new InvalidOperationException("setup: the flow did not open");
            _replyPeer[f] = meta.PeerIndex;
            int addressLength = v6 ? 16 : 4, sourceAt = v6 ? 8 : 12;
            string instance = new IPAddress(new ReadOnlySpan<byte>(packet + sourceAt + addressLength, addressLength)).ToString();
            string sender4or6 = new IPAddress(new ReadOnlySpan<byte>(packet + sourceAt, addressLength)).ToString();
            var reply = TranslationPackets.Build(protocol, instance, sender4or6, 80, port, PacketLength);
            new ReadOnlySpan<byte>(reply, 0, HeaderBytes).CopyTo(new Span<byte>(_replies + f * HeaderBytes, HeaderBytes));
            if (ipHeader + (protocol == 6 ? 20 : 8) > HeaderBytes) throw new InvalidOperationException("headers exceed the restored bytes");
        }
        if (_translator.FlowCount != Flows) throw new InvalidOperationException($"setup: {_translator.FlowCount} flows, expected {Flows}");
        var random = new Random(42);
        _order = Enumerable.Range(0, Flows).OrderBy(_ => random.Next()).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_arena);
        NativeMemory.AlignedFree(_requests);
        NativeMemory.AlignedFree(_replies);
    }

    [Benchmark(OperationsPerInvoke = Flows)]
    public int RestoreOnly()
    {
        int sum = 0;
        for (int i = 0; i < Flows; i++)
        {
            int f = _order[i];
            byte* packet = _arena + (long)(i & (LoopSlots - 1)) * Slot;
            Buffer.MemoryCopy(_requests + f * HeaderBytes, packet, HeaderBytes, HeaderBytes);
            sum += packet[0];
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Flows)]
    public int OutgoingFlowHit()
    {
        int sum = 0;
        var translator = _translator;
        for (int i = 0; i < Flows; i++)
        {
            int f = _order[i];
            byte* packet = _arena + (long)(i & (LoopSlots - 1)) * Slot;
            Buffer.MemoryCopy(_requests + f * HeaderBytes, packet, HeaderBytes, HeaderBytes);
            var meta = new PacketMeta { PeerIndex = -1 };
            sum += (int)translator.Process(PacketSource.Tun, packet, PacketLength, ref meta);
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Flows)]
    public int IncomingReplyFlowHit()
    {
        int sum = 0;
        var translator = _translator;
        for (int i = 0; i < Flows; i++)
        {
            int f = _order[i];
            byte* packet = _arena + (long)(i & (LoopSlots - 1)) * Slot;
            Buffer.MemoryCopy(_replies + f * HeaderBytes, packet, HeaderBytes, HeaderBytes);
            var meta = new PacketMeta { PeerIndex = _replyPeer[f] };
            sum += (int)translator.Process(PacketSource.Tunnel, packet, PacketLength, ref meta);
        }
        return sum;
    }

    private uint _next;

    [Benchmark(OperationsPerInvoke = Flows)]
    public int OutgoingNewFlow()
    {
        int sum = 0;
        var translator = _translator;
        int transport = Kind is PacketKind.V6Tcp or PacketKind.V6Udp ? 40 : 20;
        for (int i = 0; i < Flows; i++)
        {
            int f = _order[i];
            byte* packet = _arena + (long)(i & (LoopSlots - 1)) * Slot;
            Buffer.MemoryCopy(_requests + f * HeaderBytes, packet, HeaderBytes, HeaderBytes);
            // A source port never used by this flow's sender before (cycles after 65536 × 4096 packets):
            // every packet is a new flow; once the table is full each one evicts the longest-idle flow.
            BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(packet + transport, 2), (ushort)(_next++ >> 12 ^ (uint)f));
            var meta = new PacketMeta { PeerIndex = -1 };
            sum += (int)translator.Process(PacketSource.Tun, packet, PacketLength, ref meta);
        }
        return sum;
    }
}
