using System.Buffers.Binary;
using Oakestra.Actors.DataPlane.Native;
using Oakestra.Actors.DataPlane.Tun;

namespace Oakestra.Actors.DataPlane.Tests.Io;

/// <summary>
/// A TUN whose packets come back to it: 10.99.1.0/24 is routed into the TUN and the namespace forwards,
/// so a packet written to the TUN (10.99.1.1 → 10.99.1.2) is forwarded out of it again, read by the loop,
/// reflected (addresses swapped, TTL restored) and written back: a fixed number of packets in flight.
/// </summary>
internal sealed unsafe class ClosedLoop : IDisposable
{
    private ClosedLoop(TunDevice tun) => Tun = tun;

    public TunDevice Tun { get; }

    public static ClosedLoop Create(Netns ns, string device, bool offload)
    {
        var tun = NetworkNamespace.Run(ns.Name, () => TunDevice.Open(new TunOptions(device) { Offload = offload, BringUp = true }));
        ns.Ip($"addr add 10.99.0.1/32 dev {device}");
        ns.Ip($"route add 10.99.1.0/24 dev {device}");
        ns.Sysctl("net.ipv4.ip_forward", "1");
        ns.Sysctl("net.ipv4.conf.all.send_redirects", "0");
        ns.Sysctl($"net.ipv4.conf.{device}.send_redirects", "0");
        ns.Sysctl("net.ipv4.conf.all.rp_filter", "0");
        ns.Sysctl($"net.ipv4.conf.{device}.rp_filter", "0");
        if (!NetworkNamespace.Run(ns.Name, () => tun.WaitUntilRunning(TimeSpan.FromSeconds(10)))) throw new InvalidOperationException("TUN never became RUNNING");
        return new ClosedLoop(tun);
    }

    /// <summary>Writes <paramref name="inFlight"/> UDP packets of <paramref name="payload"/> bytes into the TUN.</summary>
    public void Inject(int inFlight, int payload)
    {
        var vnet = Tun.VnetHeaderLength;
        var buffer = new byte[vnet + 28 + payload];
        var packet = buffer.AsSpan(vnet);
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet[2..], (ushort)(28 + payload));
        packet[8] = 64;
        packet[9] = 17;
        new byte[] { 10, 99, 1, 1, 10, 99, 1, 2 }.CopyTo(packet[12..]);
        ulong sum = 0;
        for (var i = 0; i < 20; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(packet[i..]);
        while (sum >> 16 != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        BinaryPrimitives.WriteUInt16BigEndian(packet[10..], (ushort)~sum);
        BinaryPrimitives.WriteUInt16BigEndian(packet[20..], 1000);
        BinaryPrimitives.WriteUInt16BigEndian(packet[22..], 2000);
        BinaryPrimitives.WriteUInt16BigEndian(packet[24..], (ushort)(8 + payload)); // UDP checksum 0: none
        fixed (byte* p = buffer)
        {
            for (var i = 0; i < inFlight; i++)
            {
                var r = Tun.Write(p, buffer.Length);
                if (r != buffer.Length) throw new IOException($"inject write returned {r}");
            }
        }
    }

    public void Dispose() => Tun.Dispose();
}
