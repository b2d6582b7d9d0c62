using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Oakestra.Actors.DataPlane.Addressing;

/// <summary>
/// One key type for both families so every table of the data plane has a single shape: an IPv6 address is
/// its 128 bits read big-endian; an IPv4 address is the IPv4-mapped form <c>::ffff:a.b.c.d</c>. The two
/// families never meet (no 4↔6 translation), and the mapped range is never a service address.
/// </summary>
public static class IpKey
{
    private static readonly UInt128 MappedPrefix = (UInt128)0xFFFFul << 32;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static UInt128 FromV4(uint bigEndianValue) => MappedPrefix | bigEndianValue;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsV4(UInt128 key) => (key >> 32) == 0xFFFF;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint ToV4(UInt128 key) => (uint)key;

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
        BinaryPrimitives.WriteUInt64BigEndian(b, (ulong)(key >> 64));
        BinaryPrimitives.WriteUInt64BigEndian(b[8..], (ulong)key);
        return new IPAddress(b);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Hash(UInt128 key)
    {
        ulong h = (ulong)key * 0xC2B2AE3D27D4EB4Ful ^ (ulong)(key >> 64) * 0x165667B19E3779F9ul;
        return h ^ (h >> 32) ^ (h >> 47);
    }
}
