using System.Buffers.Binary;
using System.Net;
using Oakestra.Actors.DataPlane.Forwarding;
using Oakestra.Actors.DataPlane.Tun;
using Oakestra.Actors.DataPlane.Tunnel;
using PacketDotNet;
using PacketDotNet.Utils;

namespace Oakestra.Actors.DataPlane.Tests.Io;

/// <summary>Segments are checked with PacketDotNet's own checksum code, independent of ours.</summary>
public sealed unsafe class GsoSegmenterTests
{
    private static byte[] GsoPacket(bool v6, int payloadLength, out PacketMeta meta, byte flags = 0x18 /* PSH|ACK */)
    {
        var payload = new byte[payloadLength];
        new Random(7).NextBytes(payload);
        var tcp = new TcpPacket(40000, 443) { SequenceNumber = 0xFFFF_FF00, AcknowledgmentNumber = 77, WindowSize = 1000, PayloadData = payload };
        tcp.Flags = flags;
        IPPacket ip = v6
            ? new IPv6Packet(IPAddress.Parse("fdff::1"), IPAddress.Parse("fdff::2")) { PayloadPacket = tcp }
            : new IPv4Packet(IPAddress.Parse("10.30.0.1"), IPAddress.Parse("10.30.0.2")) { PayloadPacket = tcp, Id = 0xFFFE };
        if (ip is IPv4Packet v4) v4.UpdateIPChecksum();
        var bytes = ip.Bytes;
        var ipLen = v6 ? 40 : 20;
        meta = new PacketMeta
        {
            GsoType = v6 ? VirtioNetHeader.GsoTcpV6 : VirtioNetHeader.GsoTcpV4, GsoSize = 1000, NeedsChecksum = true,
            ChecksumStart = (ushort)ipLen, ChecksumOffset = 16, HeaderLength = (ushort)(ipLen + 20),
        };
        // As from the kernel: the checksum field holds the folded pseudo-header sum (garbage for our purpose: it is recomputed).
        bytes[ipLen + 16] = 0x12; bytes[ipLen + 17] = 0x34;
        return bytes;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Gso_packet_is_cut_into_valid_segments_that_reassemble_to_the_payload(bool v6)
    {
        var packet = GsoPacket(v6, 3500, out var meta);
        var segments = new List<byte[]>();
        fixed (byte* p = packet)
        {
            Assert.True(GsoSegmenter.TryPlan(p, packet.Length, meta, out var plan));
            Assert.Equal(4, plan.Count);
            var output = new byte[plan.MaxSegmentLength];
            for (var i = 0; i < plan.Count; i++)
            {
                fixed (byte* o = output)
                {
                    var n = GsoSegmenter.WriteSegment(p, packet.Length, plan, i, o);
                    segments.Add(output[..n]);
                }
            }
        }

        var reassembled = new List<byte>();
        for (var i = 0; i < segments.Count; i++)
        {
            IPPacket ip = v6 ? new IPv6Packet(new ByteArraySegment(segments[i])) : new IPv4Packet(new ByteArraySegment(segments[i]));
            var tcp = (TcpPacket)ip.PayloadPacket;
            Assert.True(tcp.ValidChecksum, $"segment {i}: bad TCP checksum");
            if (ip is IPv4Packet v4)
            {
                Assert.True(v4.ValidIPChecksum, $"segment {i}: bad IP checksum");
                Assert.Equal((ushort)(0xFFFE + i), v4.Id);
                Assert.Equal(segments[i].Length, v4.TotalLength);
            }
            else
            {
                Assert.Equal(segments[i].Length - 40, ((IPv6Packet)ip).PayloadLength);
            }
            Assert.Equal(unchecked(0xFFFF_FF00u + (uint)(i * 1000)), tcp.SequenceNumber);
            var last = i == segments.Count - 1;
            Assert.Equal(last, tcp.Push);
            Assert.True(tcp.Acknowledgment);
            Assert.Equal(last ? 500 : 1000, tcp.PayloadData.Length);
            reassembled.AddRange(tcp.PayloadData);
        }
        var expected = new byte[3500];
        new Random(7).NextBytes(expected);
        Assert.Equal(expected, reassembled);
    }

    [Fact]
    public void Non_tcp_gso_and_broken_headers_are_refused()
    {
        var packet = GsoPacket(false, 2000, out var meta);
        fixed (byte* p = packet)
        {
            var udp = meta with { GsoType = VirtioNetHeader.GsoUdpL4 };
            Assert.False(GsoSegmenter.TryPlan(p, packet.Length, udp, out _));
            var badStart = meta with { ChecksumStart = 24 };
            Assert.False(GsoSegmenter.TryPlan(p, packet.Length, badStart, out _));
            Assert.False(GsoSegmenter.TryPlan(p, 30, meta, out _));
            var noSize = meta with { GsoSize = 0 };
            Assert.False(GsoSegmenter.TryPlan(p, packet.Length, noSize, out _));
        }
    }

    [Fact]
    public void Partial_udp_checksum_is_completed_to_the_full_checksum()
    {
        var udp = new UdpPacket(5000, 6000) { PayloadData = "hello, tunnel"u8.ToArray() };
        var ip = new IPv4Packet(IPAddress.Parse("10.30.0.1"), IPAddress.Parse("10.30.0.9")) { PayloadPacket = udp };
        var bytes = ip.Bytes;
        // What the kernel hands over with NEEDS_CSUM: the folded, uncomplemented pseudo-header sum in the field.
        ulong sum = 0x0A1E + 0x0001 + 0x0A1E + 0x0009 + 17 + (ulong)(8 + 13);
        while (sum >> 16 != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(26), (ushort)sum);
        var meta = new PacketMeta { NeedsChecksum = true, ChecksumStart = 20, ChecksumOffset = 6 };

        fixed (byte* p = bytes) Assert.True(GsoSegmenter.CompleteChecksum(p, bytes.Length, meta));

        var parsed = (UdpPacket)new IPv4Packet(new ByteArraySegment(bytes)).PayloadPacket;
        Assert.True(parsed.ValidUdpChecksum);
    }
}
