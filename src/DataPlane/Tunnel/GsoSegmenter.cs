using System.Buffers.Binary;
using Oakestra.Actors.DataPlane.Forwarding;
using Oakestra.Actors.DataPlane.Tun;

namespace Oakestra.Actors.DataPlane.Tunnel;

/// <summary>
/// Software TSO for the tunnel: a TCP GSO packet read from an offloading TUN is cut into
/// <see cref="PacketMeta.GsoSize"/>-sized segments with their own IP/TCP headers and complete checksums,
/// as the kernel would have done on a real NIC (same rules as wireguard-go's tcpTSO): IPv4 ID incremented
/// per segment, lengths rewritten, sequence numbers advanced, FIN/PSH only on the last segment.
/// The receiving node therefore sees ordinary packets and needs no offload on its TUN.
/// </summary>
public static unsafe class GsoSegmenter
{
    private const byte TcpFin = 0x01;
    private const byte TcpPsh = 0x08;

    /// <summary>Validated geometry of one GSO packet.</summary>
    public readonly struct Plan
    {
        internal Plan(bool v4, int ipHeaderLength, int headerLength, int segmentSize, int count)
        {
            IsV4 = v4; IpHeaderLength = ipHeaderLength; HeaderLength = headerLength; SegmentSize = segmentSize; Count = count;
        }
        public bool IsV4 { get; }
        public int IpHeaderLength { get; }
        /// <summary>IP + TCP header bytes repeated in every segment.</summary>
        public int HeaderLength { get; }
        public int SegmentSize { get; }
        public int Count { get; }
        /// <summary>Largest segment in bytes.</summary>
        public int MaxSegmentLength => HeaderLength + SegmentSize;
    }

    /// <summary>False when the packet is not a well-formed TCPv4/TCPv6 GSO packet.</summary>
    public static bool TryPlan(byte* packet, int length, in PacketMeta meta, out Plan plan)
    {
        plan = default;
        var type = (byte)(meta.GsoType & ~VirtioNetHeader.GsoEcn);
        bool v4;
        if (type == VirtioNetHeader.GsoTcpV4) v4 = true;
        else if (type == VirtioNetHeader.GsoTcpV6) v4 = false;
        else return false;
        if (length < 40 || (packet[0] >> 4) != (v4 ? 4 : 6)) return false;
        int ipLen = meta.ChecksumStart;
        if (v4 && ipLen != (packet[0] & 0x0F) * 4) return false;
        if (!v4 && ipLen < 40) return false;
        if (ipLen + 20 > length) return false;
        var tcpLen = (packet[ipLen + 12] >> 4) * 4;
        if (tcpLen < 20) return false;
        var hdrLen = ipLen + tcpLen;
        if (hdrLen > length || meta.GsoSize == 0) return false;
        var payload = length - hdrLen;
        var count = payload == 0 ? 1 : (payload + meta.GsoSize - 1) / meta.GsoSize;
        plan = new Plan(v4, ipLen, hdrLen, meta.GsoSize, count);
        return true;
    }

    /// <summary>
    /// Writes segment <paramref name="index"/> of <paramref name="packet"/> to <paramref name="output"/>; returns its length.
    /// <paramref name="partialChecksum"/>: the TCP checksum field gets the segment's pseudo-header sum only
    /// (NEEDS_CSUM), for a receiver whose kernel completes it, instead of a pass over the payload here.
    /// </summary>
    public static int WriteSegment(byte* packet, int length, in Plan plan, int index, byte* output, bool partialChecksum = false)
    {
        var ipLen = plan.IpHeaderLength;
        var hdrLen = plan.HeaderLength;
        var dataStart = hdrLen + index * plan.SegmentSize;
        var dataLen = Math.Min(plan.SegmentSize, length - dataStart);
        if (dataLen < 0) dataLen = 0;
        var total = hdrLen + dataLen;
        var last = dataStart + dataLen >= length;

        Buffer.MemoryCopy(packet, output, hdrLen, hdrLen);
        Buffer.MemoryCopy(packet + dataStart, output + hdrLen, dataLen, dataLen);

        if (plan.IsV4)
        {
            var id = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(packet + 4, 2));
            BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(output + 4, 2), (ushort)(id + index));
            BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(output + 2, 2), (ushort)total);
            output[10] = 0; output[11] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(output + 10, 2), InternetChecksum.Complement(InternetChecksum.Add(0, output, ipLen)));
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(output + 4, 2), (ushort)(total - 40));
        }

        var tcp = output + ipLen;
        var seq = BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(packet + ipLen + 4, 4));
        BinaryPrimitives.WriteUInt32BigEndian(new Span<byte>(tcp + 4, 4), unchecked(seq + (uint)(index * plan.SegmentSize)));
        if (!last) tcp[13] &= unchecked((byte)~(TcpFin | TcpPsh));
        tcp[16] = 0; tcp[17] = 0;
        var sum = plan.IsV4
            ? InternetChecksum.PseudoHeader(output + 12, output + 16, 4, 6, total - ipLen)
            : InternetChecksum.PseudoHeader(output + 8, output + 24, 16, 6, total - ipLen);
        if (partialChecksum)
        {
            BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(tcp + 16, 2), InternetChecksum.Fold(sum));
            return total;
        }
        sum = InternetChecksum.Add(sum, tcp, total - ipLen);
        BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(tcp + 16, 2), InternetChecksum.Complement(sum));
        return total;
    }

    /// <summary>
    /// Whether offload fields that came over the network (a tunnel header's GSO type, size and checksum fields)
    /// may go to a TUN's kernel: a TCPv4/TCPv6 GSO packet whose IP length fields match its bytes, with the TCP
    /// checksum as the partial one and at most <see cref="TunnelSender.MaxSegments"/> segments (so one datagram
    /// never becomes more packets than a sender's run could have been), or a plain packet whose partial checksum
    /// field is the TCP or UDP one right after the IP header. Fields the packet's kind does not use are zeroed
    /// and the header length is set from the packet: a peer's leftovers there made the TUN refuse the write
    /// (hdr_len beyond the packet is EINVAL).
    /// </summary>
    public static bool IsSafeFromNetwork(byte* packet, int length, ref PacketMeta meta)
    {
        if (meta.GsoType == VirtioNetHeader.GsoNone)
        {
            meta.GsoSize = 0;
            meta.HeaderLength = 0;
            if (!meta.NeedsChecksum)
            {
                meta.ChecksumStart = 0;
                meta.ChecksumOffset = 0;
                return true;
            }
        }
        if (length < 28) return meta.GsoType == VirtioNetHeader.GsoNone && !meta.NeedsChecksum;
        var v4 = packet[0] >> 4 == 4;
        if (!v4 && packet[0] >> 4 != 6) return meta.GsoType == VirtioNetHeader.GsoNone && !meta.NeedsChecksum;
        var ipLen = v4 ? (packet[0] & 0x0F) * 4 : 40;
        var protocol = v4 ? packet[9] : packet[6];
        var ipLengthOk = v4
            ? BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(packet + 2, 2)) == length
            : length >= 40 && BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(packet + 4, 2)) == length - 40;
        if (meta.GsoType == VirtioNetHeader.GsoNone)
        {
            if (!meta.NeedsChecksum) return true;
            var offset = protocol == 6 ? 16 : protocol == 17 ? 6 : -1;
            return ipLengthOk && meta.ChecksumStart == ipLen && meta.ChecksumOffset == offset && ipLen + offset + 2 <= length;
        }
        if (!meta.NeedsChecksum || !ipLengthOk || protocol != 6 || meta.ChecksumStart != ipLen || meta.ChecksumOffset != 16) return false;
        if (!TryPlan(packet, length, meta, out var plan) || plan.Count > TunnelSender.MaxSegments) return false;
        meta.HeaderLength = (ushort)plan.HeaderLength;
        return true;
    }

    /// <summary>
    /// Completes a partial (VIRTIO_NET_HDR_F_NEEDS_CSUM) transport checksum in place: the field holds the
    /// pseudo-header sum, the rest of the transport bytes are added and the result complemented.
    /// </summary>
    public static bool CompleteChecksum(byte* packet, int length, in PacketMeta meta)
    {
        int start = meta.ChecksumStart, at = meta.ChecksumStart + meta.ChecksumOffset;
        if (at + 2 > length || start >= length) return false;
        ulong initial = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(packet + at, 2));
        packet[at] = 0; packet[at + 1] = 0;
        var result = InternetChecksum.Complement(InternetChecksum.Add(initial, packet + start, length - start));
        if (result == 0 && meta.ChecksumOffset == 6) result = 0xFFFF; // UDP: 0 means "no checksum"
        BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(packet + at, 2), result);
        return true;
    }
}
