using Oakestra.Actors.DataPlane.Forwarding;

namespace Oakestra.Actors.DataPlane.Benchmarks.TunLoop;

/// <summary>
/// The closed-loop work, identical to the C contestants' reflect(): swap IPv4 source and destination (the
/// checksums do not change), restore the TTL the kernel's forwarding took (RFC 1624 update), back to the TUN.
/// </summary>
internal sealed unsafe class ReflectProcessor : IPacketProcessor
{
    public long Packets;

    public Disposition Process(PacketSource source, byte* packet, int length, ref PacketMeta meta)
    {
        if (length < 20 || packet[0] >> 4 != 4) return Disposition.Drop;
        var src = *(uint*)(packet + 12);
        *(uint*)(packet + 12) = *(uint*)(packet + 16);
        *(uint*)(packet + 16) = src;
        uint oldWord = (uint)(packet[8] << 8 | packet[9]);
        packet[8] = 64;
        uint newWord = (uint)(64 << 8 | packet[9]);
        uint hc = (uint)(packet[10] << 8 | packet[11]);
        var sum = (ushort)~hc + (ushort)~oldWord + newWord;
        while (sum >> 16 != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        var c = (ushort)~sum;
        packet[10] = (byte)(c >> 8);
        packet[11] = (byte)c;
        Volatile.Write(ref Packets, Packets + 1);
        return Disposition.ToTun;
    }

    public void Poll<TSink>(long nowTicks, ref TSink sink) where TSink : struct, IPacketSink, allows ref struct { }
}
