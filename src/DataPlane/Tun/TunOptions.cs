namespace Oakestra.Actors.DataPlane.Tun;

/// <summary>How to open the TUN device.</summary>
/// <param name="Name">Interface name (at most 15 bytes); an existing persistent device of that name is attached to.</param>
public sealed record TunOptions(string Name = "oak0")
{
    /// <summary>
    /// IFF_VNET_HDR with TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6: every read and write carries a virtio_net_hdr,
    /// local TCP streams arrive as one large GSO segment (rewritten once instead of per MSS), and checksums
    /// may arrive partial (<see cref="Forwarding.PacketMeta.NeedsChecksum"/>). Off: plain IFF_TUN | IFF_NO_PI.
    /// </summary>
    public bool Offload { get; init; } = true;

    /// <summary>virtio_net_hdr size when <see cref="Offload"/> is on: 10 (virtio_net_hdr) or 12 (with num_buffers).</summary>
    public int VnetHeaderLength { get; init; } = VirtioNetHeader.Length;

    /// <summary>MTU to set with SIOCSIFMTU after opening; null leaves it to the caller (e.g. <c>ip link set mtu</c>).</summary>
    public int? Mtu { get; init; }

    /// <summary>Set IFF_UP with SIOCSIFFLAGS after opening; false leaves it to the caller.</summary>
    public bool BringUp { get; init; }
}
