using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Oakestra.Actors.DataPlane.Addressing;

namespace Oakestra.Actors.DataPlane.Packets;

/// <summary>
/// Reads the headers of an IPv4/IPv6 packet in place. Every read is preceded by a bounds check against
/// <c>length</c> (and against the IP length field when that is shorter): no input can make it read past
/// the buffer, nor throw.
/// <para>Behaviour per packet kind (the translator counts each non-Ok result as a drop reason):</para>
/// <list type="table">
/// <listheader><term>packet</term><description>behaviour</description></listheader>
/// <item><term>IPv4 / IPv6 + TCP, UDP</term><description>translated</description></item>
/// <item><term>ICMP / ICMPv6 echo request or reply</term><description>translated, identifier as port</description></item>
/// <item><term>other ICMP / ICMPv6 (errors, ND, ...)</term><description>dropped, <see cref="ParseResult.IcmpNotEcho"/>: errors embed the original header, which would need a second rewrite</description></item>
/// <item><term>IPv4 with options (IHL &gt; 5)</term><description>translated; options are kept untouched</description></item>
/// <item><term>IPv4 fragment (MF or offset ≠ 0)</term><description>dropped, <see cref="ParseResult.Fragment"/>: later fragments carry no ports, so a flow cannot be kept (instances use MTU 1412 and PMTU discovery)</description></item>
/// <item><term>IPv6 hop-by-hop / destination options</term><description>skipped (up to 4 extension headers), then translated</description></item>
/// <item><term>IPv6 fragment header</term><description>dropped, <see cref="ParseResult.Fragment"/></description></item>
/// <item><term>IPv6 routing header, more than 4 extension headers</term><description>dropped, <see cref="ParseResult.UnsupportedExtension"/>: a routing header changes the final destination the pseudo-header uses</description></item>
/// <item><term>any other protocol</term><description>dropped, <see cref="ParseResult.UnsupportedProtocol"/></description></item>
/// <item><term>length field larger than the buffer, header cut short</term><description>dropped, <see cref="ParseResult.Truncated"/></description></item>
/// <item><term>version not 4/6, IHL &lt; 5, TCP data offset &lt; 5</term><description>dropped, <see cref="ParseResult.Malformed"/></description></item>
/// </list>
/// </summary>
public static unsafe class PacketParser
{
    private const int MaxExtensionHeaders = 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ushort Read16(byte* p) => BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ushort>(p));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Read32(byte* p) => BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<uint>(p));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Read64(byte* p) => BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ulong>(p));

    public static ParseResult Parse(byte* packet, int length, out ParsedPacket p)
    {
        p = default;
        if (length < 1) return ParseResult.Truncated;
        int version = packet[0] >> 4;
        if (version == 4) return ParseV4(packet, length, ref p);
        if (version == 6) return ParseV6(packet, length, ref p);
        return ParseResult.Malformed;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ParseResult ParseV4(byte* packet, int length, ref ParsedPacket p)
    {
        if (length < 20) return ParseResult.Truncated;
        int ihl = (packet[0] & 0x0F) * 4;
        if (ihl < 20) return ParseResult.Malformed;
        int total = Read16(packet + 2);
        if (total < ihl) return ParseResult.Malformed;
        if (total > length) return ParseResult.Truncated;
        ushort fragment = Read16(packet + 6);
        if ((fragment & 0x3FFF) != 0) return ParseResult.Fragment; // MF flag or a non-zero offset
        p.Version = 4;
        p.Key.SetV4(Read32(packet + 12), Read32(packet + 16));
        return ParseTransport(packet, ihl, total, packet[9], ref p);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ParseResult ParseV6(byte* packet, int length, ref ParsedPacket p)
    {
        if (length < 40) return ParseResult.Truncated;
        int total = 40 + Read16(packet + 4);
        if (total > length) return ParseResult.Truncated; // jumbograms (payload length 0) end here too: never seen on a TUN
        p.Version = 6;
        p.Key.SetV6(Read64(packet + 8), Read64(packet + 16), Read64(packet + 24), Read64(packet + 32));
        byte next = packet[6];
        // TCP or UDP right after the fixed header (almost every packet) skips the extension-header walk.
        if (next is 6 or 17) return ParseTransport(packet, 40, total, next, ref p);
        return ParseV6Extensions(packet, total, next, ref p);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ParseResult ParseV6Extensions(byte* packet, int total, byte next, ref ParsedPacket p)
    {
        int offset = 40;
        for (int i = 0; ; i++)
        {
            switch (next)
            {
                case 0: // hop-by-hop options
                case 60: // destination options
                    if (i >= MaxExtensionHeaders) return ParseResult.UnsupportedExtension;
                    if (offset + 8 > total) return ParseResult.Truncated;
                    int extLength = (packet[offset + 1] + 1) * 8;
                    next = packet[offset];
                    offset += extLength;
                    if (offset > total) return ParseResult.Truncated;
                    continue;
                case 44:
                    return ParseResult.Fragment;
                case 43:
                    return ParseResult.UnsupportedExtension;
                default:
                    return ParseTransport(packet, offset, total, next, ref p);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ParseResult ParseTransport(byte* packet, int offset, int total, byte protocol, ref ParsedPacket p)
    {
        byte* l4 = packet + offset;
        int available = total - offset;
        p.TransportOffset = offset;
        switch (protocol)
        {
            case 6:
                if (available < 20) return ParseResult.Truncated;
                if ((l4[12] >> 4) < 5) return ParseResult.Malformed;
                p.Key.SetTransport(Read16(l4), Read16(l4 + 2), TransportProtocol.Tcp);
                p.TcpFlags = l4[13];
                p.ChecksumOffset = offset + 16;
                return ParseResult.Ok;
            case 17:
                if (available < 8) return ParseResult.Truncated;
                p.Key.SetTransport(Read16(l4), Read16(l4 + 2), TransportProtocol.Udp);
                p.ChecksumOffset = offset + 6;
                return ParseResult.Ok;
            case 1:
                if (p.Version != 4) return ParseResult.UnsupportedProtocol;
                if (available < 8) return ParseResult.Truncated;
                if (l4[0] != 8 && l4[0] != 0) return ParseResult.IcmpNotEcho;
                p.Key.SetTransport(Read16(l4 + 4), Read16(l4 + 4), TransportProtocol.Icmp);
                p.ChecksumOffset = -1; // ICMPv4 has no pseudo-header: an address change leaves it valid
                return ParseResult.Ok;
            case 58:
                if (p.Version != 6) return ParseResult.UnsupportedProtocol;
                if (available < 8) return ParseResult.Truncated;
                if (l4[0] != 128 && l4[0] != 129) return ParseResult.IcmpNotEcho;
                p.Key.SetTransport(Read16(l4 + 4), Read16(l4 + 4), TransportProtocol.IcmpV6);
                p.ChecksumOffset = offset + 2;
                return ParseResult.Ok;
            default:
                return ParseResult.UnsupportedProtocol;
        }
    }
}
