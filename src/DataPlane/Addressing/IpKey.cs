using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Oakestra.Actors.DataPlane.Addressing;

/// <summary>
/// One key type for both families so every table of the data plane has a single shape: an IPv6 address is
/// its 128 bits read big-endian; an IPv4 address is the IPv4-mapped form <c>::ffff:a.b.c.d</c>. The two
/// families never meet (no 4↔6 translation), and the mapped range is never a service address.
/// </summary>
public static class IpKey
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static UInt128 FromV4(uint bigEndianValue) => new(0, 0xFFFF_0000_0000ul | bigEndianValue);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsV4(UInt128 key) => High(key) == 0 && (Low(key) >> 32) == 0xFFFF;

    // UInt128's shift operators are calls the JIT does not inline (8 % of a translation went to `key >> 64`):
    // the packet path reads the two halves through these instead.
    [StructLayout(LayoutKind.Sequential)]
    private readonly struct Halves
    {
        public readonly ulong Lower, Upper; // UInt128's own field order on little-endian platforms
    }

    /// <summary>The upper 64 bits (the first eight bytes of an IPv6 address).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong High(UInt128 key) => BitConverter.IsLittleEndian ? Unsafe.BitCast<UInt128, Halves>(key).Upper : (ulong)(key >> 64);

    /// <summary>The lower 64 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Low(UInt128 key) => (ulong)key;

    public static UInt128 From(IPAddress address)
    {
        Span<byte> b = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(b, out _);
            return FromV4(BinaryPrimitives.ReadUInt32BigEndian(b));
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            throw new ArgumentException($"{address} is neither IPv4 nor IPv6", nameof(address));
        address.TryWriteBytes(b, out _);
        return new UInt128(BinaryPrimitives.ReadUInt64BigEndian(b), BinaryPrimitives.ReadUInt64BigEndian(b[8..]));
    }

    public static IPAddress ToAddress(UInt128 key)
    {
        if (IsV4(key))
        {
            Span<byte> v4 = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(v4, (uint)key);
            return new IPAddress(v4);
        }
        Span<byte> b = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(b, High(key));
        BinaryPrimitives.WriteUInt64BigEndian(b[8..], (ulong)key);
        return new IPAddress(b);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Hash(UInt128 key)
    {
        ulong h = (ulong)key * 0xC2B2AE3D27D4EB4Ful ^ High(key) * 0x165667B19E3779F9ul;
        return h ^ (h >> 32) ^ (h >> 47);
    }
}
