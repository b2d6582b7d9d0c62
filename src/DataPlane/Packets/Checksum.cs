using System.Runtime.CompilerServices;

namespace Oakestra.Actors.DataPlane.Packets;

/// <summary>
/// Incremental Internet checksum updates (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')). Only addresses change
/// on the packet path, so a rewrite costs a few additions instead of a pass over the payload.
/// A "delta" is the one's-complement sum of ~old and new 16-bit words, accumulated without folding.
/// </summary>
internal static class Checksum
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Words(ulong x) => (x >> 48) + ((x >> 32) & 0xFFFF) + ((x >> 16) & 0xFFFF) + (x & 0xFFFF);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Delta32(uint oldValue, uint newValue)
        => ((~oldValue >> 16) & 0xFFFF) + (~oldValue & 0xFFFF) + (newValue >> 16) + (newValue & 0xFFFF);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Delta128(UInt128 oldValue, UInt128 newValue)
    {
        UInt128 inv = ~oldValue;
        return Words((ulong)(inv >> 64)) + Words((ulong)inv) + Words((ulong)(newValue >> 64)) + Words((ulong)newValue);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Fold(ulong sum)
    {
        sum = (sum & 0xFFFFFFFF) + (sum >> 32);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)sum;
    }

    /// <summary>Updates a complemented checksum field (the normal, finished checksum).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Adjust(ushort checksum, ulong delta) => (ushort)~Fold((ushort)~checksum + delta);

    /// <summary>
    /// Updates an uncomplemented partial sum: the pseudo-header sum a NEEDS_CSUM (CHECKSUM_PARTIAL) packet
    /// carries in its checksum field, which the kernel or NIC later completes over the payload.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort AdjustPartial(ushort partialSum, ulong delta) => Fold(partialSum + delta);
}
