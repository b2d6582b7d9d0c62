using System.Buffers.Binary;
using Oakestra.Actors.DataPlane.Forwarding;
using Oakestra.Actors.DataPlane.Loop;
using Oakestra.Actors.DataPlane.Native;
using Oakestra.Actors.DataPlane.Tunnel;

namespace Oakestra.Actors.DataPlane.Tun;

/// <summary>
/// Receive-side coalescing for an offloading TUN: consecutive in-order TCP segments of one flow arriving in one
/// tunnel batch are merged into one TCP GSO packet (NEEDS_CSUM, pseudo-header sum in the checksum field), so
/// the kernel gets one write per run instead of one per segment. Same rules as the kernel's GRO and
/// wireguard-go's tcpGRO: only ACK or ACK|PSH segments with payload, equal IP header fields that GRO compares,
/// equal TCP options and ack, the next sequence number, no segment after a short one or one with PSH, and
/// each segment's checksum verified first: the merged packet's checksum is then trusted by the kernel, so a
/// corrupt segment must never get into one. Items live in this object's own slots and are handed to the
/// TUN write queue when finished; a slot is free again once that queue is flushed (<see cref="ReleaseWritten"/>).
/// </summary>
internal sealed unsafe class TcpCoalescer : IDisposable
{
    public const int Slots = 8;
    private const byte TcpAck = 0x10, TcpPsh = 0x08;
    private const int MaxPacket = 65_535;

    private struct Item
    {
        public byte* Packet;
        public int Length, IpLength, HeaderLength, GsoSize, Segments;
        public uint NextSeq;
        public bool V6, Open, Written, Partial;
    }

    /// <summary>What <see cref="TryParse"/> found out about a candidate segment.</summary>
    public readonly struct Segment
    {
        public Segment(bool v6, int ipLength, int headerLength, int payload, uint seq, bool psh, bool partial)
        {
            V6 = v6; IpLength = ipLength; HeaderLength = headerLength; Payload = payload; Seq = seq; Psh = psh; Partial = partial;
        }
        public bool V6 { get; }
        public int IpLength { get; }
        public int HeaderLength { get; }
        public int Payload { get; }
        public uint Seq { get; }
        public bool Psh { get; }
        /// <summary>The checksum field holds the pseudo-header sum only (NEEDS_CSUM).</summary>
        public bool Partial { get; }
    }

    private readonly NativeBuffer _slots = new((nuint)(Slots * PacketSlots.SlotSize));
    private readonly Item[] _items = new Item[Slots];

    public TcpCoalescer()
    {
        for (var i = 0; i < Slots; i++) _items[i].Packet = _slots.Pointer + (nint)i * PacketSlots.SlotSize + PacketSlots.Headroom;
    }

    /// <summary>
    /// True for a TCP segment that may be merged: plain IPv4 (no options, no fragment) or IPv6 with TCP next, ACK or
    /// ACK|PSH, payload, and a valid checksum, or a <paramref name="partial"/> one (NEEDS_CSUM, already checked to
    /// be the TCP field; the sum over the data is then the kernel's to make, as it would be for the segment alone).
    /// </summary>
    public static bool TryParse(byte* p, int length, bool partial, out Segment segment)
    {
        segment = default;
        if (length < 40) return false;
        bool v6;
        int ip;
        if (p[0] == 0x45)
        {
            if (p[9] != 6 || BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(p + 2, 2)) != length) return false;
            if ((p[6] & 0x3F) != 0 || p[7] != 0) return false; // MF or a fragment offset
            v6 = false; ip = 20;
        }
        else if (p[0] >> 4 == 6)
        {
            if (length < 60 || p[6] != 6 || BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(p + 4, 2)) != length - 40) return false;
            v6 = true; ip = 40;
        }
        else return false;
        var tcp = (p[ip + 12] >> 4) * 4;
        if (tcp < 20 || ip + tcp >= length) return false;
        var flags = p[ip + 13];
        if (flags != TcpAck && flags != (TcpAck | TcpPsh)) return false;
        if (!partial)
        {
            var sum = v6 ? InternetChecksum.PseudoHeader(p + 8, p + 24, 16, 6, length - ip) : InternetChecksum.PseudoHeader(p + 12, p + 16, 4, 6, length - ip);
            if (InternetChecksum.Fold(InternetChecksum.Add(sum, p + ip, length - ip)) != 0xFFFF) return false;
        }
        segment = new Segment(v6, ip, ip + tcp, length - ip - tcp, BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(p + ip + 4, 4)), flags == (TcpAck | TcpPsh), partial);
        return true;
    }

    /// <summary>The open item of <paramref name="p"/>'s connection direction (addresses and ports), or -1. Any IPv4/IPv6 TCP packet.</summary>
    public int FindFlow(byte* p, int length)
    {
        for (var i = 0; i < Slots; i++)
        {
            ref var item = ref _items[i];
            if (item.Open && SameFlow(ref item, p, length)) return i;
        }
        return -1;
    }

    private static bool SameFlow(ref Item item, byte* p, int length)
    {
        var h = item.Packet;
        if (item.V6)
        {
            if (length < 44 || p[0] >> 4 != 6 || p[6] != 6) return false;
            return SequenceEqual(h + 8, p + 8, 32) && *(uint*)(h + 40) == *(uint*)(p + 40);
        }
        if (length < 24 || p[0] >> 4 != 4 || p[9] != 6) return false;
        var ip = (p[0] & 0x0F) * 4;
        return ip + 4 <= length && *(ulong*)(h + 12) == *(ulong*)(p + 12) && *(uint*)(h + 20) == *(uint*)(p + ip);
    }

    private static bool SequenceEqual(byte* a, byte* b, int length) => new ReadOnlySpan<byte>(a, length).SequenceEqual(new ReadOnlySpan<byte>(b, length));

    /// <summary>Appends <paramref name="p"/>'s payload to open item <paramref name="i"/> of the same flow when the GRO rules allow it.</summary>
    public bool TryAppend(int i, byte* p, in Segment s)
    {
        ref var item = ref _items[i];
        var h = item.Packet;
        if (s.V6 != item.V6 || s.HeaderLength != item.HeaderLength || s.Seq != item.NextSeq || s.Payload > item.GsoSize) return false;
        if (item.Length + s.Payload > MaxPacket || item.Segments == TunnelSender.MaxSegments) return false;
        var ip = item.IpLength;
        if (*(uint*)(h + ip + 8) != *(uint*)(p + ip + 8)) return false; // ack
        if (s.V6 ? h[0] != p[0] || h[1] >> 4 != p[1] >> 4 || h[7] != p[7] : h[1] != p[1] || h[6] >> 5 != p[6] >> 5 || h[8] != p[8]) return false;
        if (!SequenceEqual(h + ip + 14, p + ip + 14, 2) || !SequenceEqual(h + ip + 20, p + ip + 20, s.HeaderLength - ip - 20)) return false; // window, options
        Buffer.MemoryCopy(p + s.HeaderLength, h + item.Length, s.Payload, s.Payload);
        item.Length += s.Payload;
        item.Segments++;
        item.NextSeq += (uint)s.Payload;
        if (s.Psh) h[ip + 13] |= TcpPsh;
        return true;
    }

    /// <summary>True when open item <paramref name="i"/> can take nothing more (a short or PSH segment ended it).</summary>
    public bool Ended(int i)
    {
        ref var item = ref _items[i];
        return (item.Packet[item.IpLength + 13] & TcpPsh) != 0 || (item.Length - item.HeaderLength) % item.GsoSize != 0;
    }

    /// <summary>Starts an item with segment <paramref name="p"/> (copied); -1 when every slot is open or waiting for its write.</summary>
    public int Start(byte* p, int length, in Segment s)
    {
        for (var i = 0; i < Slots; i++)
        {
            ref var item = ref _items[i];
            if (item.Open || item.Written) continue;
            Buffer.MemoryCopy(p, item.Packet, length, length);
            item.Length = length;
            item.V6 = s.V6;
            item.IpLength = s.IpLength;
            item.HeaderLength = s.HeaderLength;
            item.GsoSize = s.Payload;
            item.Segments = 1;
            item.NextSeq = s.Seq + (uint)s.Payload;
            item.Partial = s.Partial;
            item.Open = true;
            return i;
        }
        return -1;
    }

    /// <summary>Index of some open item, or -1.</summary>
    public int AnyOpen()
    {
        for (var i = 0; i < Slots; i++) if (_items[i].Open) return i;
        return -1;
    }

    /// <summary>
    /// Closes item <paramref name="i"/> for its TUN write: one segment goes as it came; a run gets its IP lengths
    /// (and IPv4 header checksum) for the whole, the pseudo-header sum in the TCP checksum field and the GSO
    /// fields, so the kernel cuts it (or hands it on whole) and completes the checksums.
    /// </summary>
    public byte* Finish(int i, out int length, out int segments, out PacketMeta meta)
    {
        ref var item = ref _items[i];
        item.Open = false;
        item.Written = true;
        var p = item.Packet;
        length = item.Length;
        segments = item.Segments;
        meta = default;
        meta.PeerIndex = -1;
        var ip = item.IpLength;
        if (item.Segments == 1)
        {
            if (!item.Partial) return p;
            meta.NeedsChecksum = true; // as it came: its field holds its own pseudo-header sum
            meta.ChecksumStart = (ushort)ip;
            meta.ChecksumOffset = 16;
            return p;
        }
        if (item.V6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(p + 4, 2), (ushort)(length - 40));
            meta.GsoType = VirtioNetHeader.GsoTcpV6;
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(p + 2, 2), (ushort)length);
            p[10] = 0; p[11] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(p + 10, 2), InternetChecksum.Complement(InternetChecksum.Add(0, p, ip)));
            meta.GsoType = VirtioNetHeader.GsoTcpV4;
        }
        var pseudo = item.V6 ? InternetChecksum.PseudoHeader(p + 8, p + 24, 16, 6, length - ip) : InternetChecksum.PseudoHeader(p + 12, p + 16, 4, 6, length - ip);
        BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(p + ip + 16, 2), InternetChecksum.Fold(pseudo));
        meta.NeedsChecksum = true;
        meta.GsoSize = (ushort)item.GsoSize;
        meta.HeaderLength = (ushort)item.HeaderLength;
        meta.ChecksumStart = (ushort)ip;
        meta.ChecksumOffset = 16;
        return p;
    }

    /// <summary>The TUN write queue was flushed: finished items' slots are free again.</summary>
    public void ReleaseWritten()
    {
        for (var i = 0; i < Slots; i++) _items[i].Written = false;
    }

    public void Dispose() => _slots.Dispose();
}
