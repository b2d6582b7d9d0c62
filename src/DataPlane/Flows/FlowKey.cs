using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Oakestra.Actors.DataPlane.Addressing;
using Oakestra.Actors.DataPlane.Packets;

namespace Oakestra.Actors.DataPlane.Flows;

/// <summary>
/// A 5-tuple as it appears in a packet (addresses are IpKey keys, ports host order, ICMP: identifier twice).
/// Stored as five words (40 bytes, no padding) so a comparison is one 32-byte vector compare plus one word
/// compare, and a key and the entry's hot fields share one cache line. The last three bytes are unused by
/// the key: <see cref="FlowEntry"/> keeps per-line state there, so hashing and comparing ignore them.
/// <para>Mutable so that the parser can fill a packet's key in place (<see cref="ParsedPacket.Key"/>): both
/// directions look a packet up by its own 5-tuple, and building a second copy cost as much as the lookup.</para>
/// </summary>
internal struct FlowKey
{
    // The words themselves are internal: the rewriter computes its checksum delta from them directly.
    internal ulong SourceHigh, SourceLow, DestinationHigh, DestinationLow;
    internal ulong Rest; // source port << 24 | destination port << 8 | protocol; bytes 5-7 spare
    private const ulong RestMask = 0xFF_FFFF_FFFFul;
    /// <summary>Offset of the first of the three spare bytes.</summary>
    public const int SpareByte = 37;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public FlowKey(UInt128 source, UInt128 destination, ushort sourcePort, ushort destinationPort, TransportProtocol protocol)
    {
        SourceHigh = IpKey.High(source);
        SourceLow = IpKey.Low(source);
        DestinationHigh = IpKey.High(destination);
        DestinationLow = IpKey.Low(destination);
        Rest = (ulong)sourcePort << 24 | (ulong)destinationPort << 8 | (byte)protocol;
    }

    public readonly UInt128 Source => new(SourceHigh, SourceLow);
    public readonly UInt128 Destination => new(DestinationHigh, DestinationLow);

    public readonly ushort SourcePort => (ushort)(Rest >> 24);
    public readonly ushort DestinationPort => (ushort)(Rest >> 8);
    public readonly TransportProtocol Protocol => (TransportProtocol)(byte)Rest;

    /// <summary>Both IPv4 addresses at once (as read from the header), in their IpKey form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetV4(uint source, uint destination)
    {
        SourceHigh = 0;
        SourceLow = IpKey.Low(IpKey.FromV4(source));
        DestinationHigh = 0;
        DestinationLow = IpKey.Low(IpKey.FromV4(destination));
    }

    /// <summary>Both IPv6 addresses, each as its two big-endian halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetV6(ulong sourceHigh, ulong sourceLow, ulong destinationHigh, ulong destinationLow)
    {
        SourceHigh = sourceHigh;
        SourceLow = sourceLow;
        DestinationHigh = destinationHigh;
        DestinationLow = destinationLow;
    }

    /// <summary>Ports and protocol; the spare bytes are cleared.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetTransport(ushort sourcePort, ushort destinationPort, TransportProtocol protocol)
        => Rest = (ulong)sourcePort << 24 | (ulong)destinationPort << 8 | (byte)protocol;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly ulong Hash()
    {
        // Independent multiplies (they overlap in the pipeline), then the high half folded onto the low
        // bits that index the table, so every input bit can reach them.
        ulong h = SourceLow * 0x9E3779B97F4A7C15ul
                  ^ DestinationLow * 0xC2B2AE3D27D4EB4Ful
                  ^ SourceHigh * 0x165667B19E3779F9ul
                  ^ DestinationHigh * 0x27D4EB2F165667C5ul
                  ^ (Rest & RestMask) * 0xFF51AFD7ED558CCDul;
        return h ^ (h >> 32) ^ (h >> 47);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool Equals(in FlowKey other)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            var a = Vector256.LoadUnsafe(ref Unsafe.As<FlowKey, byte>(ref Unsafe.AsRef(in this)));
            // Built from the probe key's words rather than loaded as one vector: the probe key was just written
            // in word-sized stores, and a wide load over several stores is not store-forwarded (it waits).
            var b = Vector256.Create(other.SourceHigh, other.SourceLow, other.DestinationHigh, other.DestinationLow).AsByte();
            return a == b && ((Rest ^ other.Rest) & RestMask) == 0;
        }
        return ((SourceHigh ^ other.SourceHigh) | (SourceLow ^ other.SourceLow) | (DestinationHigh ^ other.DestinationHigh)
                | (DestinationLow ^ other.DestinationLow) | ((Rest ^ other.Rest) & RestMask)) == 0;
    }
}
