using System.Runtime.CompilerServices;
using Oakestra.Actors.DataPlane.Packets;

namespace Oakestra.Actors.DataPlane.Flows;

/// <summary>A 5-tuple as it appears in a packet (addresses are IpKey keys, ports host order, ICMP: identifier twice).</summary>
internal readonly struct FlowKey(UInt128 source, UInt128 destination, ushort sourcePort, ushort destinationPort, TransportProtocol protocol)
{
    public readonly UInt128 Source = source;
    public readonly UInt128 Destination = destination;
    public readonly ushort SourcePort = sourcePort;
    public readonly ushort DestinationPort = destinationPort;
    public readonly TransportProtocol Protocol = protocol;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Hash()
    {
        // Independent multiplies (they overlap in the pipeline), then the high half folded onto the low
        // bits that index the table, so every input bit can reach them.
        ulong h = (ulong)Source * 0x9E3779B97F4A7C15ul
                  ^ (ulong)Destination * 0xC2B2AE3D27D4EB4Ful
                  ^ (ulong)(Source >> 64) * 0x165667B19E3779F9ul
                  ^ (ulong)(Destination >> 64) * 0x27D4EB2F165667C5ul
                  ^ ((ulong)SourcePort << 24 | (ulong)DestinationPort << 8 | (byte)Protocol) * 0xFF51AFD7ED558CCDul;
        return h ^ (h >> 32) ^ (h >> 47);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Equals(in FlowKey other)
        => Source == other.Source && Destination == other.Destination && SourcePort == other.SourcePort
           && DestinationPort == other.DestinationPort && Protocol == other.Protocol;
}
