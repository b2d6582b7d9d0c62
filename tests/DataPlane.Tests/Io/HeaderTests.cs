using Oakestra.Actors.DataPlane.Forwarding;
using Oakestra.Actors.DataPlane.Tun;
using Oakestra.Actors.DataPlane.Tunnel;

namespace Oakestra.Actors.DataPlane.Tests.Io;

public sealed unsafe class HeaderTests
{
    [Fact]
    public void Virtio_header_fields_are_read_little_endian_in_kernel_order()
    {
        // flags=NEEDS_CSUM, gso=TCPV4, hdr_len=66, gso_size=1448, csum_start=20, csum_offset=16 (struct virtio_net_hdr on x86).
        byte[] raw = [0x01, 0x01, 66, 0, 0xA8, 0x05, 20, 0, 16, 0];
        var meta = default(PacketMeta);
        fixed (byte* p = raw) VirtioNetHeader.Decode(p, ref meta);

        Assert.True(meta.NeedsChecksum);
        Assert.Equal(VirtioNetHeader.GsoTcpV4, meta.GsoType);
        Assert.Equal(66, meta.HeaderLength);
        Assert.Equal(1448, meta.GsoSize);
        Assert.Equal(20, meta.ChecksumStart);
        Assert.Equal(16, meta.ChecksumOffset);

        var written = new byte[12];
        written[10] = written[11] = 0xEE;
        fixed (byte* p = written) VirtioNetHeader.Encode(p, 12, meta);
        Assert.Equal([.. raw, 0, 0], written);
    }

    [Fact]
    public void Tunnel_data_header_carries_flags_and_gso_fields_big_endian()
    {
        var meta = new PacketMeta { TunnelFlags = TunnelFlags.Forwarded, NeedsChecksum = true, GsoType = 4, GsoSize = 1400, HeaderLength = 60, ChecksumStart = 40, ChecksumOffset = 16 };
        var h = new byte[TunnelHeader.Length];
        fixed (byte* p = h) TunnelHeader.WriteData(p, meta);

        Assert.Equal(new byte[] { 0x20, 0x03, 4, 0, 0x05, 0x78, 0, 60, 0, 40, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, h);
        var back = default(PacketMeta);
        fixed (byte* p = h)
        {
            Assert.True(TunnelHeader.TryReadType(p, h.Length, out var type));
            Assert.Equal(TunnelMessageType.Data, type);
            TunnelHeader.ReadData(p, ref back);
        }
        Assert.Equal(meta.TunnelFlags, back.TunnelFlags);
        Assert.Equal((meta.NeedsChecksum, meta.GsoType, meta.GsoSize, meta.HeaderLength, meta.ChecksumStart, meta.ChecksumOffset),
            (back.NeedsChecksum, back.GsoType, back.GsoSize, back.HeaderLength, back.ChecksumStart, back.ChecksumOffset));
    }

    [Fact]
    public void Tunnel_header_rejects_other_versions_unknown_types_and_short_probes()
    {
        var h = new byte[TunnelHeader.ProbeLength];
        fixed (byte* p = h)
        {
            TunnelHeader.WriteProbe(p, TunnelMessageType.RttProbe, 0x0102030405060708);
            Assert.True(TunnelHeader.TryReadType(p, h.Length, out var type));
            Assert.Equal(TunnelMessageType.RttProbe, type);
            Assert.Equal(0x0102030405060708, TunnelHeader.ReadTimestamp(p));
            Assert.False(TunnelHeader.TryReadType(p, TunnelHeader.Length, out _)); // probe without its timestamp
            p[0] = 0x11; // version 1 (12-byte header, before the seal)
            Assert.False(TunnelHeader.TryReadType(p, h.Length, out _));
            p[0] = 0x27; // version 2, type 7
            Assert.False(TunnelHeader.TryReadType(p, h.Length, out _));
            Assert.False(TunnelHeader.TryReadType(p, 5, out _));
        }
    }
}
