using System.Buffers.Binary;
using System.Net;

namespace Oakestra.Actors.DataPlane.Tests.Support;

/// <summary>
/// Builds packets byte by byte and checks them with a full checksum recomputation, written independently
/// of the library's incremental code (plain RFC 1071 sums over the bytes, pseudo-headers included).
/// </summary>
public static class Wire
{
    public const byte Tcp = 6, Udp = 17, Icmp = 1, IcmpV6 = 58;

    public static byte[] Build(byte protocol, string source, string destination, ushort sourcePort, ushort destinationPort,
        byte[]? payload = null, byte ttl = 64, byte tcpFlags = 0x18, bool udpNoChecksum = false, byte[]? ipv4Options = null,
        ushort ipv4FragmentField = 0x4000, byte? icmpType = null, byte[]? ipv6HopByHop = null)
    {
        var src = IPAddress.Parse(source);
        var dst = IPAddress.Parse(destination);
        payload ??= "hello, semantic world"u8.ToArray();
        bool v6 = src.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        int transportHeader = protocol == Tcp ? 20 : 8;
        byte[] transport = new byte[transportHeader + payload.Length];
        payload.CopyTo(transport, transportHeader);
        if (protocol is Tcp or Udp)
        {
            BinaryPrimitives.WriteUInt16BigEndian(transport, sourcePort);
            BinaryPrimitives.WriteUInt16BigEndian(transport.AsSpan(2), destinationPort);
        }
        if (protocol == Tcp)
        {
            BinaryPrimitives.WriteUInt32BigEndian(transport.AsSpan(4), 0x01020304);
            BinaryPrimitives.WriteUInt32BigEndian(transport.AsSpan(8), 0x0A0B0C0D);
            transport[12] = 5 << 4;
            transport[13] = tcpFlags;
            BinaryPrimitives.WriteUInt16BigEndian(transport.AsSpan(14), 65000);
        }
        else if (protocol == Udp)
        {
            BinaryPrimitives.WriteUInt16BigEndian(transport.AsSpan(4), (ushort)transport.Length);
        }
        else
        {
            transport[0] = icmpType ?? (byte)(v6 ? 128 : 8);
            BinaryPrimitives.WriteUInt16BigEndian(transport.AsSpan(4), sourcePort); // identifier
            BinaryPrimitives.WriteUInt16BigEndian(transport.AsSpan(6), destinationPort); // sequence
        }

        byte[] packet;
        if (!v6)
        {
            int ihl = 20 + (ipv4Options?.Length ?? 0);
            packet = new byte[ihl + transport.Length];
            packet[0] = (byte)(0x40 | (ihl / 4));
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), 0x1234);
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), ipv4FragmentField);
            packet[8] = ttl;
            packet[9] = protocol;
            src.TryWriteBytes(packet.AsSpan(12), out _);
            dst.TryWriteBytes(packet.AsSpan(16), out _);
            ipv4Options?.CopyTo(packet, 20);
            transport.CopyTo(packet, ihl);
        }
        else
        {
            int ext = ipv6HopByHop?.Length ?? 0;
            packet = new byte[40 + ext + transport.Length];
            packet[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)(ext + transport.Length));
            packet[6] = ipv6HopByHop is null ? protocol : (byte)0;
            packet[7] = ttl;
            src.TryWriteBytes(packet.AsSpan(8), out _);
            dst.TryWriteBytes(packet.AsSpan(24), out _);
            if (ipv6HopByHop is not null)
            {
                ipv6HopByHop.CopyTo(packet, 40);
                packet[40] = protocol;
            }
            transport.CopyTo(packet, 40 + ext);
        }
        FillChecksums(packet, udpNoChecksum);
        return packet;
    }

    public static bool IsV6(byte[] p) => p[0] >> 4 == 6;
    public static int TransportOffset(byte[] p)
    {
        if (!IsV6(p)) return (p[0] & 0xF) * 4;
        int offset = 40;
        byte next = p[6];
        while (next is 0 or 60) { next = p[offset]; offset += (p[offset + 1] + 1) * 8; }
        return offset;
    }
    public static byte Protocol(byte[] p)
    {
        if (!IsV6(p)) return p[9];
        int offset = 40;
        byte next = p[6];
        while (next is 0 or 60) { next = p[offset]; offset += (p[offset + 1] + 1) * 8; }
        return next;
    }
    public static int ChecksumFieldOffset(byte[] p) => TransportOffset(p) + Protocol(p) switch { Tcp => 16, Udp => 6, _ => 2 };

    public static IPAddress Source(byte[] p) => IsV6(p) ? new IPAddress(p.AsSpan(8, 16)) : new IPAddress(p.AsSpan(12, 4));
    public static IPAddress Destination(byte[] p) => IsV6(p) ? new IPAddress(p.AsSpan(24, 16)) : new IPAddress(p.AsSpan(16, 4));
    public static ushort SourcePort(byte[] p) => Protocol(p) is Tcp or Udp ? BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(TransportOffset(p))) : IcmpId(p);
    public static ushort DestinationPort(byte[] p) => Protocol(p) is Tcp or Udp ? BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(TransportOffset(p) + 2)) : IcmpId(p);
    public static ushort IcmpId(byte[] p) => BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(TransportOffset(p) + 4));
    public static ushort ChecksumField(byte[] p) => BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(ChecksumFieldOffset(p)));

    /// <summary>RFC 1071 one's-complement sum of 16-bit big-endian words, folded.</summary>
    public static ushort OnesSum(ReadOnlySpan<byte> data, uint initial = 0)
    {
        ulong sum = initial;
        int i = 0;
        for (; i + 1 < data.Length; i += 2) sum += (uint)(data[i] << 8 | data[i + 1]);
        if (i < data.Length) sum += (uint)(data[i] << 8);
        while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)sum;
    }

    /// <summary>The folded pseudo-header sum (addresses, protocol, transport length) of a packet as it is now.</summary>
    public static ushort PseudoHeaderSum(byte[] p)
    {
        int offset = TransportOffset(p);
        int length = p.Length - offset;
        var pseudo = new List<byte>();
        if (IsV6(p)) { pseudo.AddRange(p.AsSpan(8, 32).ToArray()); pseudo.AddRange([(byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length, 0, 0, 0, Protocol(p)]); }
        else { pseudo.AddRange(p.AsSpan(12, 8).ToArray()); pseudo.AddRange([0, Protocol(p), (byte)(length >> 8), (byte)length]); }
        return OnesSum(pseudo.ToArray());
    }

    private static ushort TransportSum(byte[] p)
    {
        int offset = TransportOffset(p);
        bool pseudo = IsV6(p) || Protocol(p) != Icmp;
        return OnesSum(p.AsSpan(offset), pseudo ? PseudoHeaderSum(p) : 0u);
    }

    public static void FillChecksums(byte[] p, bool udpNoChecksum = false)
    {
        if (!IsV6(p))
        {
            int ihl = (p[0] & 0xF) * 4;
            p[10] = p[11] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(10), (ushort)~OnesSum(p.AsSpan(0, ihl)));
        }
        int field = ChecksumFieldOffset(p);
        p[field] = p[field + 1] = 0;
        if (udpNoChecksum && Protocol(p) == Udp && !IsV6(p)) return;
        ushort c = (ushort)~TransportSum(p);
        if (c == 0 && Protocol(p) == Udp) c = 0xFFFF;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(field), c);
    }

    /// <summary>Every checksum of the packet verifies when summed from scratch.</summary>
    public static void AssertChecksumsValid(byte[] p)
    {
        if (!IsV6(p)) Assert.Equal(0xFFFF, OnesSum(p.AsSpan(0, (p[0] & 0xF) * 4)));
        if (Protocol(p) == Udp && !IsV6(p) && ChecksumField(p) == 0) return;
        Assert.Equal(0xFFFF, TransportSum(p));
    }

    /// <summary>Turns a finished packet into what a TUN with offload hands over under NEEDS_CSUM: the transport checksum field holds the uncomplemented pseudo-header sum.</summary>
    public static void MakePartial(byte[] p)
    {
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(ChecksumFieldOffset(p)), PseudoHeaderSum(p));
    }
}
