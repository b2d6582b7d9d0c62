namespace Oakestra.Actors.DataPlane.Forwarding;

// The seam between the I/O side of the data plane (TUN device, UDP tunnel, forwarding loop) and the
// translation side (parsing, rewriting, flow table, policies, route snapshot). The loop owns the
// buffers and the syscalls; the processor owns every decision about a packet. Generic struct
// constraints let the JIT devirtualize both directions, so no call on the packet path is virtual.

/// <summary>Where a packet came from.</summary>
public enum PacketSource : byte
{
    /// <summary>Read from the node's TUN device: sent by a local instance (or the node itself).</summary>
    Tun,
    /// <summary>Received on the UDP tunnel from another worker node.</summary>
    Tunnel,
}

/// <summary>What the loop must do with a packet after <see cref="IPacketProcessor.Process"/>.</summary>
public enum Disposition : byte
{
    /// <summary>Dropped; the processor already counted the reason.</summary>
    Drop,
    /// <summary>Write the (rewritten) packet back into the TUN device: destination is local.</summary>
    ToTun,
    /// <summary>Send the (rewritten) packet through the tunnel to <see cref="PacketMeta.PeerIndex"/>.</summary>
    ToTunnel,
    /// <summary>The processor copied the packet into its miss queue; the loop may reuse the buffer.</summary>
    Queued,
}

/// <summary>
/// Per-packet metadata travelling with the bytes: the virtio-net header fields when TUN offload is on
/// (IFF_VNET_HDR), and the peer chosen for tunnel output or the peer it arrived from.
/// </summary>
public struct PacketMeta
{
    /// <summary>VIRTIO_NET_HDR_F_NEEDS_CSUM: the transport checksum field holds the uncomplemented pseudo-header sum.</summary>
    public bool NeedsChecksum;
    /// <summary>VIRTIO_NET_HDR_GSO_* type (0 = none, 1 = TCPv4, 4 = TCPv6, ...).</summary>
    public byte GsoType;
    public ushort HeaderLength;
    public ushort GsoSize;
    public ushort ChecksumStart;
    public ushort ChecksumOffset;
    /// <summary>In: index of the peer a tunnel packet came from (-1 for TUN). Out: peer to send to on ToTunnel.</summary>
    public int PeerIndex;
    /// <summary>Tunnel header flags in and out (see <see cref="TunnelFlags"/>).</summary>
    public TunnelFlags TunnelFlags;
}

/// <summary>Flags carried in the UDP tunnel header.</summary>
[Flags]
public enum TunnelFlags : byte
{
    None = 0,
    /// <summary>Already forwarded once by a node the destination instance had left: never forward again.</summary>
    Forwarded = 1,
}

/// <summary>Where the processor emits packets that were waiting for a route (see <see cref="IPacketProcessor.Poll"/>).</summary>
public unsafe interface IPacketSink
{
    void Emit(Disposition where, byte* packet, int length, in PacketMeta meta);
}

/// <summary>Translation side of the packet path. Called only from the forwarding thread(s); never blocks, never allocates.</summary>
public unsafe interface IPacketProcessor
{
    /// <summary>Rewrites the packet in place (it never grows) and says where it goes.</summary>
    Disposition Process(PacketSource source, byte* packet, int length, ref PacketMeta meta);

    /// <summary>
    /// Called by the loop at least every few milliseconds and after each batch: emits queued packets whose
    /// route has arrived in a newer snapshot, and drops (and counts) those that waited too long.
    /// </summary>
    void Poll<TSink>(long nowTicks, ref TSink sink) where TSink : struct, IPacketSink, allows ref struct;
}
