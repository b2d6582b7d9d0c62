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
    private ulong _sourceHigh, _sourceLow, _destinationHigh, _destinationLow;
    private ulong _rest; // source port << 24 | destination port << 8 | protocol; bytes 5-7 spare
    private const ulong RestMask = 0xFF_FFFF_FFFFul;
    /// <summary>Offset of the first of the three spare bytes.</summary>
    public const int SpareByte = 37;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public FlowKey(UInt128 source, UInt128 destination, ushort sourcePort, ushort destinationPort, TransportProtocol protocol)
    {
        _sourceHigh = IpKey.High(source);
        _sourceLow = IpKey.Low(source);
        _destinationHigh = IpKey.High(destination);
        _destinationLow = IpKey.Low(destination);
        _rest = (ulong)sourcePort << 24 | (ulong)destinationPort << 8 | (byte)protocol;
    }

    public UInt128 Source
    {
        readonly get => new(_sourceHigh, _sourceLow);
        set { _sourceHigh = IpKey.High(value); _sourceLow = IpKey.Low(value); }
    }

    public UInt128 Destination
    {
        readonly get => new(_destinationHigh, _destinationLow);
        set { _destinationHigh = IpKey.High(value); _destinationLow = IpKey.Low(value); }
    }

    public readonly ushort SourcePort => (ushort)(_rest >> 24);
    public readonly ushort DestinationPort => (ushort)(_rest >> 8);
    public readonly TransportProtocol Protocol => (TransportProtocol)(byte)_rest;

    /// <summary>Both IPv4 addresses at once (as read from the header), in their IpKey form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetV4(uint source, uint destination)
    {
        _sourceHigh = 0;
        _sourceLow = IpKey.Low(IpKey.FromV4(source));
        _destinationHigh = 0;
        _destinationLow = IpKey.Low(IpKey.FromV4(destination));
    }

    /// <summary>Both IPv6 addresses, each as its two big-endian halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetV6(ulong sourceHigh, ulong sourceLow, ulong destinationHigh, ulong destinationLow)
    {
        _sourceHigh = sourceHigh;
        _sourceLow = sourceLow;
        _destinationHigh = destinationHigh;
        _destinationLow = destinationLow;
    }

    /// <summary>Ports and protocol; the spare bytes are cleared.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetTransport(ushort sourcePort, ushort destinationPort, TransportProtocol protocol)
        => _rest = (ulong)sourcePort << 24 | (ulong)destinationPort << 8 | (byte)protocol;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly ulong Hash()
    {
        // Independent multiplies (they overlap in the pipeline), then the high half folded onto the low
        // bits that index the table, so every input bit can reach them.
        ulong h = _sourceLow * 0x9E3779B97F4A7C15ul
                  ^ _destinationLow * 0xC2B2AE3D27D4EB4Ful
                  ^ _sourceHigh * 0x165667B19E3779F9ul
                  ^ _destinationHigh * 0x27D4EB2F165667C5ul
                  ^ (_rest & RestMask) * 0xFF51AFD7ED558CCDul;
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
            var b = Vector256.Create(other._sourceHigh, other._sourceLow, other._destinationHigh, other._destinationLow).AsByte();
            return a == b && ((_rest ^ other._rest) & RestMask) == 0;
        }
        return ((_sourceHigh ^ other._sourceHigh) | (_sourceLow ^ other._sourceLow) | (_destinationHigh ^ other._destinationHigh)
                | (_destinationLow ^ other._destinationLow) | ((_rest ^ other._rest) & RestMask)) == 0;
    }
}
