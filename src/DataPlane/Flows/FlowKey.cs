using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Oakestra.Actors.DataPlane.Packets;

namespace Oakestra.Actors.DataPlane.Flows;

/// <summary>
/// A 5-tuple as it appears in a packet (addresses are IpKey keys, ports host order, ICMP: identifier twice).
/// Stored as five words (40 bytes, no padding) so a comparison is one 32-byte vector compare plus one word
/// compare, and a key and the entry's hot fields share one cache line. The last three bytes are unused by
/// the key: <see cref="FlowEntry"/> keeps per-line state there, so hashing and comparing ignore them.
/// </summary>
internal readonly struct FlowKey
{
    private readonly ulong _sourceHigh, _sourceLow, _destinationHigh, _destinationLow;
    private readonly ulong _rest; // source port << 24 | destination port << 8 | protocol; bytes 5-7 spare
    private const ulong RestMask = 0xFF_FFFF_FFFFul;
    /// <summary>Offset of the first of the three spare bytes.</summary>
    public const int SpareByte = 37;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public FlowKey(UInt128 source, UInt128 destination, ushort sourcePort, ushort destinationPort, TransportProtocol protocol)
    {
        _sourceHigh = (ulong)(source >> 64);
        _sourceLow = (ulong)source;
        _destinationHigh = (ulong)(destination >> 64);
        _destinationLow = (ulong)destination;
        _rest = (ulong)sourcePort << 24 | (ulong)destinationPort << 8 | (byte)protocol;
    }

    public UInt128 Source => new(_sourceHigh, _sourceLow);
    public UInt128 Destination => new(_destinationHigh, _destinationLow);
    public ushort SourcePort => (ushort)(_rest >> 24);
    public ushort DestinationPort => (ushort)(_rest >> 8);
    public TransportProtocol Protocol => (TransportProtocol)(byte)_rest;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Hash()
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
    public bool Equals(in FlowKey other)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            var a = Vector256.LoadUnsafe(ref Unsafe.As<FlowKey, byte>(ref Unsafe.AsRef(in this)));
            var b = Vector256.LoadUnsafe(ref Unsafe.As<FlowKey, byte>(ref Unsafe.AsRef(in other)));
            return a == b && ((_rest ^ other._rest) & RestMask) == 0;
        }
        return ((_sourceHigh ^ other._sourceHigh) | (_sourceLow ^ other._sourceLow) | (_destinationHigh ^ other._destinationHigh)
                | (_destinationLow ^ other._destinationLow) | ((_rest ^ other._rest) & RestMask)) == 0;
    }
}
