using System.Buffers.Binary;
using Oakestra.Actors.DataPlane.Tests.Support;
using Oakestra.Actors.DataPlane.Tun;

namespace Oakestra.Actors.DataPlane.Tests.Io;

/// <summary>The coalescing rules one by one, without a TUN: what joins a run, what ends it, what the written run looks like.</summary>
public sealed unsafe class TcpCoalescerTests
{
    private static byte[] Segment(bool v6, uint seq, int payload, byte flags = 0x10, uint ack = 0x0A0B0C0D, byte fill = 1)
    {
        var p = Wire.Build(Wire.Tcp, v6 ? "fd00:80::1" : "10.80.0.1", v6 ? "fd00:81::1" : "10.81.0.1", 40000, 9400,
            payload: Enumerable.Repeat(fill, payload).ToArray(), tcpFlags: flags);
        var tcp = Wire.TransportOffset(p);
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(tcp + 4), seq);
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(tcp + 8), ack);
        Wire.FillChecksums(p);
        return p;
    }

    /// <summary>Feeds segments the way the loop does; returns the item each landed in (-1: written alone).</summary>
    private static int[] Feed(TcpCoalescer c, params byte[][] segments)
    {
        var items = new int[segments.Length];
        for (var i = 0; i < segments.Length; i++)
        {
            fixed (byte* p = segments[i])
            {
                items[i] = -1;
                if (!TcpCoalescer.TryParse(p, segments[i].Length, partial: false, out var s)) continue;
                var open = c.FindFlow(p, segments[i].Length);
                if (open >= 0 && c.TryAppend(open, p, s)) { items[i] = open; continue; }
                items[i] = c.Start(p, segments[i].Length, s);
            }
        }
        return items;
    }

    [Theory, InlineData(false), InlineData(true)]
    public void In_order_segments_become_one_gso_packet_whose_checksum_field_is_the_pseudo_header_sum(bool v6)
    {
        using var c = new TcpCoalescer();
        var items = Feed(c, Segment(v6, 1000, 1000, fill: 1), Segment(v6, 2000, 1000, fill: 2), Segment(v6, 3000, 400, flags: 0x18, fill: 3));
        Assert.Equal([items[0], items[0], items[0]], items);
        Assert.True(c.Ended(items[0]));
        var p = c.Finish(items[0], out var length, out var segments, out var meta);
        var packet = new ReadOnlySpan<byte>(p, length).ToArray();
        var ip = v6 ? 40 : 20;
        Assert.Equal(3, segments);
        Assert.Equal(ip + 20 + 2400, length);
        Assert.Equal(v6 ? VirtioNetHeader.GsoTcpV6 : VirtioNetHeader.GsoTcpV4, meta.GsoType);
        Assert.Equal((1000, ip + 20, ip, 16, true), (meta.GsoSize, meta.HeaderLength, meta.ChecksumStart, meta.ChecksumOffset, meta.NeedsChecksum));
        Assert.Equal(0x18, packet[ip + 13]); // PSH of the last segment
        Assert.Equal(Wire.PseudoHeaderSum(packet), Wire.ChecksumField(packet));
        if (!v6) Assert.Equal(0xFFFF, Wire.OnesSum(packet.AsSpan(0, 20)));
        Assert.Equal(Enumerable.Repeat((byte)1, 1000).Concat(Enumerable.Repeat((byte)2, 1000)).Concat(Enumerable.Repeat((byte)3, 400)), packet[(ip + 20)..]);
    }

    [Fact]
    public void A_gap_another_ack_a_bad_checksum_or_a_longer_segment_after_a_short_one_does_not_join()
    {
        using var c = new TcpCoalescer();
        var gap = Feed(c, Segment(false, 1000, 500), Segment(false, 2000, 500));
        Assert.NotEqual(gap[0], gap[1]);

        using var c2 = new TcpCoalescer();
        var ack = Feed(c2, Segment(false, 1000, 500), Segment(false, 1500, 500, ack: 7));
        Assert.NotEqual(ack[0], ack[1]);

        using var c3 = new TcpCoalescer();
        var bad = Segment(false, 1500, 500);
        bad[^1] ^= 0xFF;
        var corrupt = Feed(c3, Segment(false, 1000, 500), bad);
        Assert.Equal(-1, corrupt[1]); // never merged, and not even a candidate: the kernel drops it as it would have

        using var c4 = new TcpCoalescer();
        var shortFirst = Feed(c4, Segment(false, 1000, 300), Segment(false, 1300, 500));
        Assert.NotEqual(shortFirst[0], shortFirst[1]);
    }

    [Fact]
    public void Syn_fin_and_empty_segments_are_no_candidates()
    {
        foreach (var flags in new byte[] { 0x02, 0x11, 0x04, 0x12 })
        {
            var p = Segment(false, 1, 100, flags: flags);
            fixed (byte* b = p) Assert.False(TcpCoalescer.TryParse(b, p.Length, false, out _));
        }
        var empty = Segment(false, 1, 0);
        fixed (byte* b = empty) Assert.False(TcpCoalescer.TryParse(b, empty.Length, false, out _));
    }

    [Fact]
    public void A_single_segment_goes_as_it_came_and_slots_free_only_after_the_write()
    {
        using var c = new TcpCoalescer();
        for (var i = 0; i < TcpCoalescer.Slots; i++) Assert.NotEqual(-1, Feed(c, Segment(false, (uint)i * 1_000_000, 100, ack: (uint)i))[0]);
        Assert.Equal(-1, Feed(c, Segment(false, 99_000_000, 100, ack: 99))[0]); // every slot open
        var p = c.Finish(0, out var length, out var segments, out var meta);
        Assert.Equal((1, 0, false), (segments, (int)meta.GsoType, meta.NeedsChecksum));
        Wire.AssertChecksumsValid(new ReadOnlySpan<byte>(p, length).ToArray());
        Assert.Equal(-1, Feed(c, Segment(false, 98_000_000, 100, ack: 98))[0]); // finished, not yet written
        c.ReleaseWritten();
        Assert.Equal(0, Feed(c, Segment(false, 98_000_000, 100, ack: 98))[0]);
    }
}
