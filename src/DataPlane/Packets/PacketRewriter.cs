using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Oakestra.Actors.DataPlane.Addressing;
using Oakestra.Actors.DataPlane.Flows;

namespace Oakestra.Actors.DataPlane.Packets;

/// <summary>
/// Rewrites the source and destination addresses of a parsed packet in place and updates every checksum
/// that covers them incrementally: the IPv4 header checksum, and the TCP / UDP / ICMPv6 checksum through
/// the pseudo-header. ICMPv4 has no pseudo-header and is left alone. A UDP-over-IPv4 checksum of 0 means
/// "none" and stays 0; a computed UDP checksum of 0 is sent as 0xFFFF (RFC 768).
/// With <c>partial</c> (virtio NEEDS_CSUM) the transport field holds the uncomplemented pseudo-header sum,
/// which is adjusted as a sum, not as a finished checksum.
/// </summary>
public static unsafe class PacketRewriter
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ushort Read16(byte* p) => BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ushort>(p));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Write16(byte* p, ushort v) => Unsafe.WriteUnaligned(p, BinaryPrimitives.ReverseEndianness(v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Write32(byte* p, uint v) => Unsafe.WriteUnaligned(p, BinaryPrimitives.ReverseEndianness(v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Write64(byte* p, ulong v) => Unsafe.WriteUnaligned(p, BinaryPrimitives.ReverseEndianness(v));

    /// <summary>Sets the addresses (keys of the packet's own family) and fixes the checksums.</summary>
    public static void Rewrite(byte* packet, ref ParsedPacket p, UInt128 newSource, UInt128 newDestination, bool partial)
    {
        if (newSource == p.Source && newDestination == p.Destination) return;
        Apply(packet, ref p, newSource, newDestination, FoldedDelta(in p.Key, newSource, newDestination, p.IsV6), partial);
    }

    /// <summary>
    /// The folded checksum delta of replacing the addresses of <paramref name="key"/> by these (never 0 when
    /// any address changes: the sum holds ~old + new for every word). A flow's outgoing rewrite is the same
    /// for each of its packets, so the flow table keeps it (<c>FlowEntry.ForwardDelta</c>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ushort FoldedDelta(in FlowKey key, UInt128 newSource, UInt128 newDestination, bool v6)
    {
        ulong sh = IpKey.High(newSource), sl = IpKey.Low(newSource), dh = IpKey.High(newDestination), dl = IpKey.Low(newDestination);
        return v6
            ? Checksum.Fold(Checksum.Delta64(key.SourceHigh, sh) + Checksum.Delta64(key.SourceLow, sl)
                            + Checksum.Delta64(key.DestinationHigh, dh) + Checksum.Delta64(key.DestinationLow, dl))
            : Checksum.Fold(Checksum.Delta32((uint)key.SourceLow, (uint)sl) + Checksum.Delta32((uint)key.DestinationLow, (uint)dl));
    }

    /// <summary>
    /// <see cref="Rewrite"/> with the delta already known (<see cref="FoldedDelta"/> of this packet's key and
    /// these addresses, which must differ from the packet's).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Apply(byte* packet, ref ParsedPacket p, UInt128 newSource, UInt128 newDestination, ushort folded, bool partial)
    {
        // Stored as the key's words too: the packet's key keeps describing the packet.
        ref FlowKey key = ref p.Key;
        ulong sh = IpKey.High(newSource), sl = IpKey.Low(newSource), dh = IpKey.High(newDestination), dl = IpKey.Low(newDestination);
        if (p.Version == 4)
        {
            Write32(packet + 12, (uint)sl);
            Write32(packet + 16, (uint)dl);
            Write16(packet + 10, Checksum.Adjust(Read16(packet + 10), folded));
        }
        else
        {
            Write64(packet + 8, sh);
            Write64(packet + 16, sl);
            Write64(packet + 24, dh);
            Write64(packet + 32, dl);
        }
        key.SourceHigh = sh;
        key.SourceLow = sl;
        key.DestinationHigh = dh;
        key.DestinationLow = dl;

        if (p.ChecksumOffset < 0) return;
        byte* field = packet + p.ChecksumOffset;
        ushort old = Read16(field);
        if (partial)
        {
            Write16(field, Checksum.AdjustPartial(old, folded));
            return;
        }
        if (p.Protocol == TransportProtocol.Udp)
        {
            if (old == 0 && p.Version == 4) return; // no checksum was computed by the sender
            ushort updated = Checksum.Adjust(old, folded);
            Write16(field, updated == 0 ? (ushort)0xFFFF : updated);
            return;
        }
        Write16(field, Checksum.Adjust(old, folded));
    }
}
