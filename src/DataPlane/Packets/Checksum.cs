using System.Runtime.CompilerServices;

namespace Oakestra.Actors.DataPlane.Packets;

/// <summary>
/// Incremental Internet checksum updates (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')). Only addresses change
/// on the packet path, so a rewrite costs a few additions instead of a pass over the payload.
/// A "delta" is the one's-complement sum of ~old and new 16-bit words, accumulated without folding.
/// </summary>
internal static class Checksum
{
    // One's-complement sums may be taken over 32-bit units and folded at the end (RFC 1071 §2(B)):
    // 2^16 ≡ 1 (mod 0xFFFF), so a 32-bit unit is worth the sum of its two 16-bit words.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Halves(ulong x) => (x >> 32) + (uint)x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Delta32(uint oldValue, uint newValue) => (ulong)~oldValue + newValue;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Delta128(UInt128 oldValue, UInt128 newValue)
        => Halves(~(ulong)(oldValue >> 64)) + Halves(~(ulong)oldValue) + Halves((ulong)(newValue >> 64)) + Halves((ulong)newValue);

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
