namespace Oakestra.Actors.DataPlane.Loop;

/// <summary>
/// Geometry of the native packet slots. Every packet starts <see cref="Headroom"/> bytes into its slot so
/// a virtio header (10/12 bytes) or the tunnel header (24 bytes) can be put in front of it in place.
/// A slot holds the largest packet a TUN with offload can deliver (64 KiB GSO) or a UDP datagram can carry,
/// with room behind it for the AEAD tag (an IP packet is at most 65,535 bytes, 16 + that fits).
/// </summary>
internal static class PacketSlots
{
    public const int Headroom = 32;
    public const int SlotSize = 65536 + 64;
    public const int PacketCapacity = SlotSize - Headroom;
}
