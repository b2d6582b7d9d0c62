using Oakestra.Actors.DataPlane.Forwarding;

namespace Oakestra.Actors.DataPlane.Benchmarks.TunnelIperf;

/// <summary>Two-node forwarding without translation: everything from the TUN goes to peer 0, everything from the tunnel into the TUN.</summary>
internal sealed unsafe class ForwardProcessor : IPacketProcessor
{
    public Disposition Process(PacketSource source, byte* packet, int length, ref PacketMeta meta)
    {
        if (source == PacketSource.Tunnel) return Disposition.ToTun;
        if (packet[0] >> 4 == 6 && (length < 40 || packet[24] == 0xFF)) return Disposition.Drop; // the kernel's own multicast chatter stays home
        meta.PeerIndex = 0;
        return Disposition.ToTunnel;
    }

    public void Poll<TSink>(long nowTicks, ref TSink sink) where TSink : struct, IPacketSink, allows ref struct { }
}
