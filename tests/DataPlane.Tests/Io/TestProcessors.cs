using System.Buffers.Binary;
using System.Net;
using Oakestra.Actors.DataPlane.Forwarding;

namespace Oakestra.Actors.DataPlane.Tests.Io;

/// <summary>RFC 1624 incremental update of a checksum field, for full and partial (NEEDS_CSUM) fields.</summary>
internal static unsafe class Incremental
{
    public static void Update(byte* field, ushort oldWord, ushort newWord, bool partial)
    {
        uint value = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(field, 2));
        uint sum = partial ? value : (ushort)~value;
        sum += (ushort)~oldWord;
        sum += newWord;
        while (sum >> 16 != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        var result = partial ? (ushort)sum : (ushort)~sum;
        BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(field, 2), result);
    }

    /// <summary>Replaces the IPv4 address at <paramref name="at"/> and fixes the IP and transport checksums.</summary>
    public static void ReplaceV4Address(byte* ip, int at, uint newAddress, bool partial)
    {
        var old = BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(ip + at, 4));
        BinaryPrimitives.WriteUInt32BigEndian(new Span<byte>(ip + at, 4), newAddress);
        var ihl = (ip[0] & 0x0F) * 4;
        var transportChecksum = ip[9] switch { 6 => ip + ihl + 16, 17 => ip + ihl + 6, _ => null };
        foreach (var (o, n) in new[] { ((ushort)(old >> 16), (ushort)(newAddress >> 16)), ((ushort)old, (ushort)newAddress) })
        {
            Update(ip + 10, o, n, partial: false);
            if (transportChecksum == null) continue;
            if (ip[9] == 17 && !partial && transportChecksum[0] == 0 && transportChecksum[1] == 0) continue; // UDP without checksum
            Update(transportChecksum, o, n, partial);
        }
    }

    public static uint V4(string address) => BinaryPrimitives.ReadUInt32BigEndian(IPAddress.Parse(address).GetAddressBytes());
}

/// <summary>
/// Test processor: IPv4 NAT-like rules "packet to X: source becomes S, destination becomes D", then back
/// into the TUN; counts what it saw, including the largest packet and GSO types, so tests can check that
/// offload reached the processor.
/// </summary>
internal sealed unsafe class RewriteProcessor : IPacketProcessor
{
    private readonly (uint Match, uint Source, uint Destination)[] _rules;
    public long Packets;
    public int MaxLength;
    public byte LastGsoType;
    public long GsoPackets;
    public long PartialChecksums;

    public RewriteProcessor(params (string WhenDestination, string NewSource, string NewDestination)[] rules) =>
        _rules = rules.Select(r => (Incremental.V4(r.WhenDestination), Incremental.V4(r.NewSource), Incremental.V4(r.NewDestination))).ToArray();

    public Disposition Process(PacketSource source, byte* packet, int length, ref PacketMeta meta)
    {
        Packets++;
        if (length > MaxLength) MaxLength = length;
        if (meta.GsoType != 0) { GsoPackets++; LastGsoType = meta.GsoType; }
        if (meta.NeedsChecksum) PartialChecksums++;
        if (length < 20 || packet[0] >> 4 != 4) return Disposition.Drop;
        var destination = BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(packet + 16, 4));
        foreach (var (match, newSource, newDestination) in _rules)
        {
            if (destination != match) continue;
            Incremental.ReplaceV4Address(packet, 12, newSource, meta.NeedsChecksum);
            Incremental.ReplaceV4Address(packet, 16, newDestination, meta.NeedsChecksum);
            return Disposition.ToTun;
        }
        return Disposition.Drop;
    }

    public void Poll<TSink>(long nowTicks, ref TSink sink) where TSink : struct, IPacketSink, allows ref struct { }
}

/// <summary>Test processor for two nodes: every unicast packet from the TUN goes to peer 0, everything from the tunnel into the TUN.</summary>
internal sealed unsafe class PeerForwardProcessor : IPacketProcessor
{
    public long FromTun, FromTunnel, MaxLength;

    public Disposition Process(PacketSource source, byte* packet, int length, ref PacketMeta meta)
    {
        if (length > MaxLength) MaxLength = length;
        if (source == PacketSource.Tun)
        {
            if (packet[0] >> 4 != 4 && (packet[0] >> 4 != 6 || length < 40 || packet[24] == 0xFF)) return Disposition.Drop; // the kernel's own IPv6 multicast chatter stays home
            FromTun++;
            meta.PeerIndex = 0;
            return Disposition.ToTunnel;
        }
        FromTunnel++;
        return Disposition.ToTun;
    }

    public void Poll<TSink>(long nowTicks, ref TSink sink) where TSink : struct, IPacketSink, allows ref struct { }
}

/// <summary>
/// The closed-loop work of the benchmark: swap source and destination (checksums unchanged), restore the
/// TTL the kernel's forwarding took, send the packet back into the TUN.
/// </summary>
internal sealed unsafe class ReflectProcessor : IPacketProcessor
{
    public long Packets;

    public Disposition Process(PacketSource source, byte* packet, int length, ref PacketMeta meta)
    {
        if (length < 20 || packet[0] >> 4 != 4) return Disposition.Drop;
        Packets++;
        var src = *(uint*)(packet + 12);
        *(uint*)(packet + 12) = *(uint*)(packet + 16);
        *(uint*)(packet + 16) = src;
        var oldWord = (ushort)(packet[8] << 8 | packet[9]);
        packet[8] = 64;
        Incremental.Update(packet + 10, oldWord, (ushort)(64 << 8 | packet[9]), partial: false);
        return Disposition.ToTun;
    }

    public void Poll<TSink>(long nowTicks, ref TSink sink) where TSink : struct, IPacketSink, allows ref struct { }
}

/// <summary>Holds every packet from the TUN and releases them all at the next Poll: exercises Queued + Poll + sink.</summary>
internal sealed unsafe class QueueingProcessor : IPacketProcessor, IDisposable
{
    private readonly byte* _store = (byte*)System.Runtime.InteropServices.NativeMemory.Alloc(64 * 2048);
    private readonly int[] _lengths = new int[64];
    private readonly RewriteProcessor _rewrite;
    private int _count;
    public long Polls, Emitted;

    public QueueingProcessor(RewriteProcessor rewrite) => _rewrite = rewrite;

    public Disposition Process(PacketSource source, byte* packet, int length, ref PacketMeta meta)
    {
        if (_count == 64 || length > 2048 || meta.GsoType != 0 || meta.NeedsChecksum) return _rewrite.Process(source, packet, length, ref meta);
        Buffer.MemoryCopy(packet, _store + _count * 2048, 2048, length);
        _lengths[_count++] = length;
        return Disposition.Queued;
    }

    public void Poll<TSink>(long nowTicks, ref TSink sink) where TSink : struct, IPacketSink, allows ref struct
    {
        Polls++;
        for (var i = 0; i < _count; i++)
        {
            var meta = default(PacketMeta);
            var p = _store + i * 2048;
            var where = _rewrite.Process(PacketSource.Tun, p, _lengths[i], ref meta);
            sink.Emit(where, p, _lengths[i], meta);
            Emitted++;
        }
        _count = 0;
    }

    public void Dispose() => System.Runtime.InteropServices.NativeMemory.Free(_store);
}
