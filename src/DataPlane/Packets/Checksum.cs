using System.Numerics;
using System.Runtime.CompilerServices;

namespace Oakestra.Actors.DataPlane.Packets;

/// <summary>
/// Incremental Internet checksum updates (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')). Only addresses change
/// on the packet path, so a rewrite costs a few additions instead of a pass over the payload.
/// A "delta" is the one's-complement sum of ~old and new 16-bit words, accumulated without folding, then
/// folded once and applied to every checksum the change touches (IPv4 header, transport).
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
    public static ulong Delta64(ulong oldValue, ulong newValue) => Halves(~oldValue) + Halves(newValue);

    /// <summary>
    /// The one's-complement sum as 16 bits (0 only for a zero sum). Each halving adds a word to itself
    /// rotated by half its width: the upper half then holds the sum of both halves with the end-around
    /// carry, the same value repeated carry folding gives, in a short dependency chain.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Fold(ulong sum)
    {
        uint s = (uint)((sum + BitOperations.RotateRight(sum, 32)) >> 32);
        return (ushort)((s + BitOperations.RotateRight(s, 16)) >> 16);
    }

    /// <summary>One's-complement sum of two 16-bit values (one end-around carry is all it can need).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ushort Add(uint a, uint b)
    {
        uint s = a + b;
        return (ushort)(s + (s >> 16));
    }

    /// <summary>Updates a complemented checksum field (the normal, finished checksum) by a folded delta.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Adjust(ushort checksum, ushort foldedDelta) => (ushort)~Add((ushort)~checksum, foldedDelta);

    /// <summary>
    /// Updates an uncomplemented partial sum by a folded delta: the pseudo-header sum a NEEDS_CSUM
    /// (CHECKSUM_PARTIAL) packet carries in its checksum field, which the kernel or NIC later completes over the payload.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort AdjustPartial(ushort partialSum, ushort foldedDelta) => Add(partialSum, foldedDelta);
}
