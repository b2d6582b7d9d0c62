using Oakestra.Actors.DataPlane.Flows;

namespace Oakestra.Actors.DataPlane.Packets;

/// <summary>Transport protocols the translator understands (IANA protocol numbers).</summary>
public enum TransportProtocol : byte
{
    Icmp = 1,
    Tcp = 6,
    Udp = 17,
    IcmpV6 = 58,
}

/// <summary>Outcome of <see cref="PacketParser.Parse"/>; everything but <see cref="Ok"/> is a drop reason.</summary>
public enum ParseResult : byte
{
    Ok,
    /// <summary>Shorter than its headers claim, or the IP length field exceeds the buffer.</summary>
    Truncated,
    /// <summary>Version nibble neither 4 nor 6, IHL below 5, TCP data offset below 5.</summary>
    Malformed,
    /// <summary>IPv4 MF set or offset non-zero; IPv6 fragment header.</summary>
    Fragment,
    /// <summary>Not TCP, UDP, ICMP echo or ICMPv6 echo.</summary>
    UnsupportedProtocol,
    /// <summary>ICMP other than echo request/reply (errors embed headers we do not rewrite).</summary>
    IcmpNotEcho,
    /// <summary>IPv6 routing header, or more extension headers than we walk.</summary>
    UnsupportedExtension,
}

/// <summary>
/// Offsets and the flow-relevant fields of one packet, filled by <see cref="PacketParser"/>. Addresses are
/// <see cref="Addressing.IpKey"/> keys; ports are host order. For ICMP echo both ports hold the identifier.
/// </summary>
public struct ParsedPacket
{
    /// <summary>The packet's 5-tuple, filled in place by the parser: the key both directions look the packet up by.</summary>
    internal FlowKey Key;
    public byte Version;
    public byte TcpFlags;
    public bool IsV6 => Version == 6;
    /// <summary>Offset of the transport header (after IPv4 options / IPv6 extension headers).</summary>
    public int TransportOffset;
    /// <summary>Offset of the transport checksum field, or -1 when the transport has none we maintain (ICMPv4 keeps its own).</summary>
    public int ChecksumOffset;
    public readonly UInt128 Source => Key.Source;
    public readonly UInt128 Destination => Key.Destination;
    public readonly ushort SourcePort => Key.SourcePort;
    public readonly ushort DestinationPort => Key.DestinationPort;
    public readonly TransportProtocol Protocol => Key.Protocol;

    public const byte TcpFin = 0x01;
    public const byte TcpRst = 0x04;
    public const byte TcpSyn = 0x02;
    public const byte TcpAck = 0x10;
}
