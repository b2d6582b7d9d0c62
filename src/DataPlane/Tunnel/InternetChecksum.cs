using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Oakestra.Actors.DataPlane.Tunnel;

// RFC 1071 one's-complement sum. The sum is byte-order independent, so it is accumulated over native
// 32-bit words and swapped to network order once at the end.
internal static unsafe class InternetChecksum
{
    /// <summary>Adds <paramref name="length"/> bytes to a running 32-bit-folded sum (returned in network order, unfolded).</summary>
    public static ulong Add(ulong sum, byte* data, int length)
    {
        ulong acc = 0;
        while (length >= 4) { acc += Unsafe.ReadUnaligned<uint>(data); data += 4; length -= 4; }
        if (length >= 2) { acc += Unsafe.ReadUnaligned<ushort>(data); data += 2; length -= 2; }
        if (length == 1) acc += *data; // low byte in memory order = first byte of a big-endian word on LE
        var native = Fold(acc);
        var network = BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(native) : native;
        return sum + network;
    }

    public static ushort Fold(ulong sum)
    {
        while (sum >> 16 != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)sum;
    }

    /// <summary>Pseudo-header sum (network order, unfolded) for TCP/UDP over IPv4 or IPv6.</summary>
    public static ulong PseudoHeader(byte* src, byte* dst, int addressLength, byte protocol, int transportLength)
    {
        var sum = Add(0, src, addressLength);
        sum = Add(sum, dst, addressLength);
        return sum + protocol + (ulong)transportLength;
    }

    public static ushort Complement(ulong sum) => (ushort)~Fold(sum);
}
