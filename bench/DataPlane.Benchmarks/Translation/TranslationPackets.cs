using System.Buffers.Binary;
using System.Net;

namespace Oakestra.Actors.DataPlane.Benchmarks.Translation;

/// <summary>Test packets for the translation benchmarks, built off the measured path.</summary>
internal static class TranslationPackets
{
    /// <summary>A valid packet with correct checksums (built off the measured path).</summary>
    public static byte[] Build(byte protocol, string source, string destination, ushort sourcePort, ushort destinationPort, int totalLength)
    {
        var src = IPAddress.Parse(source);
        bool v6 = src.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        int ip = v6 ? 40 : 20, l4 = protocol == 6 ? 20 : 8, payload = Math.Max(0, totalLength - ip - l4);
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
