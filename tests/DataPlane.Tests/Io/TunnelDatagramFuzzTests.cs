using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Oakestra.Actors.DataPlane.Forwarding;
using Oakestra.Actors.DataPlane.Loop;
using Oakestra.Actors.DataPlane.Native;
using Oakestra.Actors.DataPlane.Tests.Support;
using Oakestra.Actors.DataPlane.Tun;
using Oakestra.Actors.DataPlane.Tunnel;
using Oakestra.Actors.Tests.Shared;

namespace Oakestra.Actors.DataPlane.Tests.Io;

/// <summary>
/// Hostile tunnel datagrams, alone and in kernel-coalesced runs (UDP GSO from the fuzzer, UDP GRO at the node),
/// with random offload fields in the header: the receive path neither crashes nor multiplies packets, and the
/// kernel refuses nothing the loop hands its TUN. Seeded, so a failure reproduces.
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed class TunnelDatagramFuzzTests
{
    private static readonly byte[] GsoTypes = [0, 0, VirtioNetHeader.GsoTcpV4, VirtioNetHeader.GsoTcpV6, VirtioNetHeader.GsoUdp, VirtioNetHeader.GsoUdpL4, 0x81, 0xFF];

    [SkippableFact]
    public unsafe void Random_and_mutated_datagrams_with_gso_fields_never_crash_the_receive_path_nor_multiply_packets()
    {
        Requires.RootWithNetns();
        using var lab = TwoNodes.Create("gf", LoopThreading.Single, security: TunnelSecurity.None);
        using var fuzzer = NetworkNamespace.Run(lab.A.Name, () => UdpSockets.Bound("10.78.0.1", 40100));
        lab.TunnelB.PublishPeers([lab.PeerA, new TunnelPeer(new IPEndPoint(IPAddress.Parse("10.78.0.1"), 40100))]);
        var target = new IPEndPoint(IPAddress.Parse("10.78.0.2"), UdpTunnelOptions.DefaultPort);
        var random = new Random(20261203);
        var before = lab.LoopB.Counters;
        long sent = 0;
        var run = new byte[65_000];
        for (var round = 0; round < 3_000; round++)
        {
            // A run of equal-sized datagrams (consecutive segments of one flow, then mutated) sent as one UDP GSO send.
            var count = random.Next(1, 12);
            var payload = random.Next(1, 1200);
            var seq = (uint)random.Next();
            var v6 = random.Next(2) == 0;
            var protocol = random.Next(5) == 0 ? Wire.Udp : Wire.Tcp;
            var size = 0;
            for (var k = 0; k < count; k++)
            {
                var datagram = Datagram(random, v6, protocol, payload, seq + (uint)(k * payload));
                size = datagram.Length;
                datagram.CopyTo(run, k * size);
            }
            var length = count * size;
            if (count > 1 && random.Next(4) == 0) length -= random.Next(1, size); // a short last datagram
            fuzzer.SetRawSocketOption(Libc.SOL_UDP, Libc.UDP_SEGMENT, BitConverter.GetBytes(count > 1 ? size : 0));
            fuzzer.SendTo(run.AsSpan(0, length), SocketFlags.None, target);
            sent += (length + size - 1) / size;
        }
        fuzzer.SetRawSocketOption(Libc.SOL_UDP, Libc.UDP_SEGMENT, BitConverter.GetBytes(0));
        Wait.Until(() => lab.LoopB.Counters.TunnelDatagramsIn - before.TunnelDatagramsIn >= sent, TimeSpan.FromSeconds(30));

        // Still forwarding.
        using (var receiver = NetworkNamespace.Run(lab.B.Name, () => UdpSockets.Bound("10.81.0.1", 9000)))
        using (var sender = NetworkNamespace.Run(lab.A.Name, () => UdpSockets.Bound("10.80.0.1")))
        {
            sender.SendTo(new byte[] { 7 }, new IPEndPoint(IPAddress.Parse("10.81.0.1"), 9000));
            Assert.Equal(1, receiver.Receive(new byte[16]));
        }
        var after = lab.LoopB.Counters;
        var received = after.TunnelDatagramsIn - before.TunnelDatagramsIn;
        Console.Error.WriteLine($"fuzz: {sent} datagrams sent, B {after}");
        Assert.True(received >= sent * 9 / 10, $"only {received} of {sent} datagrams arrived: {after}");
        Assert.True(after.TunnelCoalescedReceives > before.TunnelCoalescedReceives, "no run arrived coalesced (UDP GRO)");
        Assert.True(after.GsoMalformed > before.GsoMalformed, "no offload fields were refused");
        Assert.True(after.TunPacketsOut - before.TunPacketsOut <= after.TunnelPacketsIn - before.TunnelPacketsIn + 2,
            $"more TUN writes than packets in: {after}");
        Assert.Equal(before.TunWriteErrors, after.TunWriteErrors); // the kernel took every header the loop wrote
    }

    /// <summary>A data datagram carrying a TCP or UDP packet for B, maybe with offload fields and mutations (the size depends only on the arguments, so a run is equal-sized).</summary>
    private static unsafe byte[] Datagram(Random random, bool v6, byte protocol, int payload, uint seq)
    {
        var packet = Wire.Build(protocol, v6 ? "fd00:80::1" : "10.80.0.1", v6 ? "fd00:81::1" : "10.81.0.1",
            40000, 9400, payload: new byte[payload], tcpFlags: random.Next(8) == 0 ? (byte)0x18 : (byte)0x10);
        if (Wire.Protocol(packet) == Wire.Tcp)
        {
            BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(Wire.TransportOffset(packet) + 4), seq);
            Wire.FillChecksums(packet);
        }
        var meta = new PacketMeta();
        if (random.Next(3) == 0)
        {
            meta.GsoType = GsoTypes[random.Next(GsoTypes.Length)];
            meta.NeedsChecksum = random.Next(2) == 0;
            meta.GsoSize = (ushort)(random.Next(3) switch { 0 => random.Next(0, 3), 1 => random.Next(1, 1500), _ => random.Next(65536) });
            meta.ChecksumStart = (ushort)(random.Next(2) == 0 ? Wire.TransportOffset(packet) : random.Next(65536));
            meta.ChecksumOffset = (ushort)(random.Next(2) == 0 ? 16 : random.Next(0, 40));
            meta.HeaderLength = (ushort)random.Next(65536);
        }
        var datagram = new byte[TunnelHeader.Length + packet.Length];
        fixed (byte* d = datagram) TunnelHeader.WriteData(d, meta);
        packet.CopyTo(datagram, TunnelHeader.Length);
        var flips = random.Next(4) == 0 ? random.Next(1, 4) : 0;
        for (var f = 0; f < flips; f++) datagram[random.Next(Math.Min(datagram.Length, TunnelHeader.Length + 64))] = (byte)random.Next(256);
        // The IP version stays: a TUN refuses any other (EINVAL) whatever the offload fields, and a real processor drops such packets first.
        datagram[TunnelHeader.Length] = (byte)((packet[0] & 0xF0) | (datagram[TunnelHeader.Length] & 0x0F));
        return datagram;
    }

    [Fact]
    public unsafe void Offload_fields_from_the_network_are_taken_only_when_each_segment_holds_payload_and_a_run_is_at_most_64()
    {
        var random = new Random(11);
        var accepted = 0;
        for (var i = 0; i < 200_000; i++)
        {
            var v6 = random.Next(2) == 0;
            var packet = Wire.Build(Wire.Tcp, v6 ? "fd00:80::1" : "10.80.0.1", v6 ? "fd00:81::1" : "10.81.0.1", 1, 2, payload: new byte[random.Next(0, 3000)]);
            if (random.Next(4) == 0) packet[random.Next(Math.Min(60, packet.Length))] = (byte)random.Next(256);
            var meta = new PacketMeta
            {
                GsoType = GsoTypes[random.Next(GsoTypes.Length)], NeedsChecksum = random.Next(4) != 0,
                GsoSize = (ushort)random.Next(0, random.Next(2) == 0 ? 64 : 2000), ChecksumStart = (ushort)(random.Next(4) != 0 ? (v6 ? 40 : 20) : random.Next(100)),
                ChecksumOffset = (ushort)(random.Next(4) != 0 ? 16 : random.Next(20)), HeaderLength = (ushort)random.Next(200),
            };
            fixed (byte* p = packet)
            {
                if (!GsoSegmenter.IsSafeFromNetwork(p, packet.Length, ref meta) || meta.GsoType == 0) continue;
                accepted++;
                Assert.True(GsoSegmenter.TryPlan(p, packet.Length, meta, out var plan));
                var payload = packet.Length - plan.HeaderLength;
                Assert.InRange(plan.Count, 1, Math.Min(TunnelSender.MaxSegments, Math.Max(1, payload)));
                Assert.Equal(plan.HeaderLength, meta.HeaderLength);
            }
        }
        Assert.True(accepted > 100, $"only {accepted} accepted: the generator misses the valid cases");
    }
}
