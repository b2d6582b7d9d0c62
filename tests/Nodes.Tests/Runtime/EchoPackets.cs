using System.Buffers.Binary;
using System.Net;

namespace Oakestra.Actors.Nodes.Tests.Runtime;

/// <summary>Hand-built ICMP echo requests (RFC 792 / RFC 4443) and reply matching, for the TUN data-path test.</summary>
internal static class EchoPackets
{
    public static byte[] Ipv4EchoRequest(IPAddress source, IPAddress destination, ushort id, ushort sequence)
    {
        var icmp = new byte[8 + 16];
        icmp[0] = 8; // echo request
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(6), sequence);
        "oakestra-tun-rt!"u8.CopyTo(icmp.AsSpan(8));
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(2), Checksum(icmp));

        var packet = new byte[20 + icmp.Length];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        packet[8] = 64; // TTL
        packet[9] = 1;  // ICMP
        source.GetAddressBytes().CopyTo(packet, 12);
        destination.GetAddressBytes().CopyTo(packet, 16);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), Checksum(packet.AsSpan(0, 20)));
        icmp.CopyTo(packet, 20);
        return packet;
    }

    public static byte[] Ipv6EchoRequest(IPAddress source, IPAddress destination, ushort id, ushort sequence)
    {
        var icmp = new byte[8 + 16];
        icmp[0] = 128; // echo request
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(6), sequence);
        "oakestra-tun-rt!"u8.CopyTo(icmp.AsSpan(8));
        var pseudo = new byte[40 + icmp.Length];
        source.GetAddressBytes().CopyTo(pseudo, 0);
        destination.GetAddressBytes().CopyTo(pseudo, 16);
        BinaryPrimitives.WriteUInt32BigEndian(pseudo.AsSpan(32), (uint)icmp.Length);
        pseudo[39] = 58;
        icmp.CopyTo(pseudo, 40);
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(2), Checksum(pseudo));

        var packet = new byte[40 + icmp.Length];
        packet[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)icmp.Length);
        packet[6] = 58;  // ICMPv6
        packet[7] = 64;  // hop limit
        source.GetAddressBytes().CopyTo(packet, 8);
        destination.GetAddressBytes().CopyTo(packet, 24);
        icmp.CopyTo(packet, 40);
        return packet;
    }

    /// <summary>An echo reply from <paramref name="from"/> to <paramref name="to"/> carrying our id.</summary>
    public static bool IsEchoReply(byte[] p, IPAddress from, IPAddress to, ushort id)
    {
        if (p.Length >= 28 && p[0] >> 4 == 4 && p[9] == 1)
        {
            var ihl = (p[0] & 0xf) * 4;
            return new IPAddress(p.AsSpan(12, 4)).Equals(from) && new IPAddress(p.AsSpan(16, 4)).Equals(to)
                && p[ihl] == 0 && BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(ihl + 4)) == id;
        }
        if (p.Length >= 48 && p[0] >> 4 == 6 && p[6] == 58)
            return new IPAddress(p.AsSpan(8, 16)).Equals(from) && new IPAddress(p.AsSpan(24, 16)).Equals(to)
                && p[40] == 129 && BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(44)) == id;
        return false;
    }

    private static ushort Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (var i = 0; i + 1 < data.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (data.Length % 2 == 1) sum += (uint)data[^1] << 8;
        while (sum >> 16 != 0) sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }
}
