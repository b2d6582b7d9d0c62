using System.Net;
using Oakestra.Actors.DataPlane.Forwarding;
using Oakestra.Actors.DataPlane.Tests.Support;
using Oakestra.Actors.DataPlane.Translation;
using static Oakestra.Actors.DataPlane.Tests.Support.Lab;

namespace Oakestra.Actors.DataPlane.Tests.Translation;

/// <summary>The documented behaviour for packet kinds the translator does not fully handle (PacketParser's table).</summary>
public class PacketKindTests
{
    [Fact]
    public void Ipv4_with_options_is_translated_and_the_options_kept()
    {
        var t = Translator();
        byte[] options = [0x94, 0x04, 0x00, 0x00]; // router alert
        var packet = Wire.Build(Wire.Tcp, ANs4, RemoteClosest4, 666, 80, ipv4Options: options);
        var before = (byte[])packet.Clone();
        Assert.Equal(Disposition.ToTunnel, t.FromTun(packet, out _));
        Assert.Equal(IPAddress.Parse(R1Inst4), Wire.Destination(packet));
        Assert.Equal(options, packet.AsSpan(20, 4).ToArray());
        ConformanceTests.AssertOnlyAddressesAndChecksumsChanged(before, packet);
        Wire.AssertChecksumsValid(packet);
    }

    [Theory]
    [InlineData((ushort)0x2000)] // MF, offset 0: first fragment
    [InlineData((ushort)0x0010)] // a later fragment
    public void Ipv4_fragments_are_dropped_and_counted(ushort fragmentField)
    {
        var t = Translator();
        var packet = Wire.Build(Wire.Udp, ANs4, RemoteClosest4, 666, 80, ipv4FragmentField: fragmentField);
        Assert.Equal(Disposition.Drop, t.FromTun(packet, out _));
        Assert.Equal(1, t.Counters[DataPlaneCounter.DropFragment]);
    }

    [Fact]
    public void Ipv6_hop_by_hop_options_are_skipped_and_the_packet_translated()
    {
        var t = Translator();
        byte[] hbh = [0, 0, 1, 4, 0, 0, 0, 0]; // PadN
        var packet = Wire.Build(Wire.Udp, ANs6, RemoteClosest6, 666, 80, ipv6HopByHop: hbh);
        Assert.Equal(Disposition.ToTunnel, t.FromTun(packet, out _));
        Assert.Equal(IPAddress.Parse(R1Inst6), Wire.Destination(packet));
        Wire.AssertChecksumsValid(packet);
    }

    [Theory]
    [InlineData((byte)44, DataPlaneCounter.DropFragment)]
    [InlineData((byte)43, DataPlaneCounter.DropUnsupportedExtension)]
    [InlineData((byte)47, DataPlaneCounter.DropUnsupportedProtocol)]
    public void Ipv6_fragment_and_routing_headers_and_unknown_protocols_are_dropped(byte nextHeader, DataPlaneCounter reason)
    {
        var t = Translator();
        var packet = Wire.Build(Wire.Udp, ANs6, RemoteClosest6, 666, 80);
        packet[6] = nextHeader;
        Assert.Equal(Disposition.Drop, t.FromTun(packet, out _));
        Assert.Equal(1, t.Counters[reason]);
    }

    [Fact]
    public void Unknown_ipv4_protocol_is_dropped()
    {
        var t = Translator();
        var packet = Wire.Build(Wire.Udp, ANs4, RemoteClosest4, 666, 80);
        packet[9] = 132; // SCTP
        Assert.Equal(Disposition.Drop, t.FromTun(packet, out _));
        Assert.Equal(1, t.Counters[DataPlaneCounter.DropUnsupportedProtocol]);
    }

    [Theory]
    [InlineData(false, (byte)3)]   // destination unreachable
    [InlineData(true, (byte)135)]  // neighbour solicitation
    public void Icmp_other_than_echo_is_dropped(bool v6, byte type)
    {
        var t = Translator();
        var packet = Wire.Build(v6 ? Wire.IcmpV6 : Wire.Icmp, v6 ? ANs6 : ANs4, v6 ? RemoteClosest6 : RemoteClosest4, 1, 1, icmpType: type);
        Assert.Equal(Disposition.Drop, t.FromTun(packet, out _));
        Assert.Equal(1, t.Counters[DataPlaneCounter.DropIcmpNotEcho]);
    }

    [Fact]
    public void Length_field_beyond_the_buffer_is_dropped_as_truncated()
    {
        var t = Translator();
        var packet = Wire.Build(Wire.Tcp, ANs4, RemoteClosest4, 666, 80);
        var cut = packet.AsSpan(0, packet.Length - 1).ToArray();
        Assert.Equal(Disposition.Drop, t.FromTun(cut, out _));
        Assert.Equal(1, t.Counters[DataPlaneCounter.DropTruncated]);
    }

    [Fact]
    public void Source_that_is_no_local_namespace_ip_is_dropped_as_spoofed()
    {
        var t = Translator();
        var packet = Wire.Build(Wire.Tcp, "10.19.1.99", RemoteClosest4, 666, 80);
        Assert.Equal(Disposition.Drop, t.FromTun(packet, out _));
        Assert.Equal(1, t.Counters[DataPlaneCounter.DropSpoofed]);
        // An Instance IP as source is spoofing too: only Namespace IPs leave instances.
        Assert.Equal(Disposition.Drop, t.FromTun(Wire.Build(Wire.Tcp, AInst4, RemoteClosest4, 666, 80), out _));
        Assert.Equal(2, t.Counters[DataPlaneCounter.DropSpoofed]);
    }
}
