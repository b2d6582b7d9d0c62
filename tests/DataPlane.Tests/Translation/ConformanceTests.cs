using System.Net;
using Oakestra.Actors.DataPlane.Forwarding;
using Oakestra.Actors.DataPlane.Tests.Support;
using Oakestra.Actors.DataPlane.Translation;
using PacketDotNet;
using static Oakestra.Actors.DataPlane.Tests.Support.Lab;

namespace Oakestra.Actors.DataPlane.Tests.Translation;

/// <summary>docs/DESIGN.md §7 translation cases, for IPv4 and IPv6, TCP, UDP and ICMP echo, checked by full recomputation.</summary>
public class ConformanceTests
{
    public static TheoryData<bool, byte> AllKinds => new()
    {
        { false, Wire.Tcp }, { false, Wire.Udp }, { false, Wire.Icmp },
        { true, Wire.Tcp }, { true, Wire.Udp }, { true, Wire.IcmpV6 },
    };

    public static TheoryData<bool, byte> TcpUdp => new() { { false, Wire.Tcp }, { false, Wire.Udp }, { true, Wire.Tcp }, { true, Wire.Udp } };

    private static string Pick(bool v6, string v4Address, string v6Address) => v6 ? v6Address : v4Address;

    /// <summary>Only the address bytes and the checksums that cover them may differ.</summary>
    internal static void AssertOnlyAddressesAndChecksumsChanged(byte[] before, byte[] after)
    {
        Assert.Equal(before.Length, after.Length);
        var allowed = new HashSet<int>();
        if (Wire.IsV6(before)) for (int i = 8; i < 40; i++) allowed.Add(i);
        else for (int i = 10; i < 20; i++) allowed.Add(i);
        if (Wire.Protocol(before) != Wire.Icmp) { allowed.Add(Wire.ChecksumFieldOffset(before)); allowed.Add(Wire.ChecksumFieldOffset(before) + 1); }
        for (int i = 0; i < before.Length; i++)
            if (!allowed.Contains(i)) Assert.True(before[i] == after[i], $"byte {i} changed from {before[i]} to {after[i]}");
    }

    [Theory, MemberData(nameof(AllKinds))]
    public void ServiceIp_from_local_instance_leaves_with_sender_instance_ip_and_target_instance_ip(bool v6, byte protocol)
    {
        var t = Translator();
        var packet = Wire.Build(protocol, Pick(v6, ANs4, ANs6), Pick(v6, RemoteClosest4, RemoteClosest6), 666, 80, ttl: 57);
        var before = (byte[])packet.Clone();

        Assert.Equal(Disposition.ToTunnel, t.FromTun(packet, out var meta));

        Assert.Equal(1, meta.PeerIndex); // Berlin: 3 ms beats 10 ms by more than 2 ms
        Assert.Equal(IPAddress.Parse(Pick(v6, AInst4, AInst6)), Wire.Source(packet));
        Assert.Equal(IPAddress.Parse(Pick(v6, R1Inst4, R1Inst6)), Wire.Destination(packet));
        Assert.Equal(666, Wire.SourcePort(packet));
        Assert.Equal(protocol is Wire.Tcp or Wire.Udp ? 80 : 666, Wire.DestinationPort(packet));
        Assert.Equal(57, v6 ? packet[7] : packet[8]);
        AssertOnlyAddressesAndChecksumsChanged(before, packet);
        Wire.AssertChecksumsValid(packet);
    }

    [Theory, MemberData(nameof(TcpUdp))]
    public void Translated_packet_is_valid_for_an_independent_parser(bool v6, byte protocol)
    {
        var t = Translator();
        var packet = Wire.Build(protocol, Pick(v6, ANs4, ANs6), Pick(v6, RemoteClosest4, RemoteClosest6), 666, 80);
        t.FromTun(packet, out _);

        var ip = Packet.ParsePacket(LinkLayers.Raw, packet).Extract<IPPacket>();
        Assert.Equal(IPAddress.Parse(Pick(v6, AInst4, AInst6)), ip.SourceAddress);
        Assert.Equal(IPAddress.Parse(Pick(v6, R1Inst4, R1Inst6)), ip.DestinationAddress);
        if (ip is IPv4Packet v4) Assert.True(v4.ValidIPChecksum);
        if (protocol == Wire.Tcp) { var tcp = ip.Extract<TcpPacket>(); Assert.True(tcp.ValidTcpChecksum); Assert.Equal(666, tcp.SourcePort); Assert.Equal(80, tcp.DestinationPort); }
        else { var udp = ip.Extract<UdpPacket>(); Assert.True(udp.ValidUdpChecksum); Assert.Equal(666, udp.SourcePort); Assert.Equal(80, udp.DestinationPort); }
    }

    [Theory, MemberData(nameof(AllKinds))]
    public void Destination_outside_the_service_ranges_is_not_translated(bool v6, byte protocol)
    {
        var t = Translator();
        var packet = Wire.Build(protocol, Pick(v6, ANs4, ANs6), Pick(v6, "10.19.1.200", "2001:db8::1"), 666, 80);
        var before = (byte[])packet.Clone();

        Assert.Equal(Disposition.Drop, t.FromTun(packet, out _));
        Assert.Equal(before, packet);
        Assert.Equal(1, t.Counters[DataPlaneCounter.DropNotService]);
    }

    [Theory, MemberData(nameof(AllKinds))]
    public void Reply_matching_a_flow_gets_the_dialled_service_ip_as_source(bool v6, byte protocol)
    {
        var t = Translator();
        t.FromTun(Wire.Build(protocol, Pick(v6, ANs4, ANs6), Pick(v6, RemoteClosest4, RemoteClosest6), 666, 80), out _);
        var reply = Wire.Build(protocol, Pick(v6, R1Inst4, R1Inst6), Pick(v6, AInst4, AInst6), protocol is Wire.Tcp or Wire.Udp ? (ushort)80 : (ushort)666, 666,
            icmpType: protocol == Wire.Icmp ? (byte)0 : protocol == Wire.IcmpV6 ? (byte)129 : null);
        var before = (byte[])reply.Clone();

        Assert.Equal(Disposition.ToTun, t.FromTunnel(reply, peer: 1, out _));

        Assert.Equal(IPAddress.Parse(Pick(v6, RemoteClosest4, RemoteClosest6)), Wire.Source(reply));
        Assert.Equal(IPAddress.Parse(Pick(v6, ANs4, ANs6)), Wire.Destination(reply));
        AssertOnlyAddressesAndChecksumsChanged(before, reply);
        Wire.AssertChecksumsValid(reply);
    }

    [Theory, MemberData(nameof(AllKinds))]
    public void Reply_matching_no_flow_keeps_the_sender_instance_ip(bool v6, byte protocol)
    {
        var t = Translator();
        t.FromTun(Wire.Build(protocol, Pick(v6, ANs4, ANs6), Pick(v6, RemoteClosest4, RemoteClosest6), 666, 80), out _);
        var other = Wire.Build(protocol, Pick(v6, R1Inst4, R1Inst6), Pick(v6, AInst4, AInst6), 80, 667);

        Assert.Equal(Disposition.ToTun, t.FromTunnel(other, peer: 1, out _));

        Assert.Equal(IPAddress.Parse(Pick(v6, R1Inst4, R1Inst6)), Wire.Source(other));
        Assert.Equal(IPAddress.Parse(Pick(v6, ANs4, ANs6)), Wire.Destination(other));
        Wire.AssertChecksumsValid(other);
    }

    [Theory, MemberData(nameof(TcpUdp))]
    public void Needs_csum_packets_keep_a_correct_partial_pseudo_header_sum(bool v6, byte protocol)
    {
        var t = Translator();
        var packet = Wire.Build(protocol, Pick(v6, ANs4, ANs6), Pick(v6, RemoteClosest4, RemoteClosest6), 666, 80);
        Wire.MakePartial(packet);

        t.FromTun(packet, out _, needsChecksum: true);

        Assert.Equal(IPAddress.Parse(Pick(v6, R1Inst4, R1Inst6)), Wire.Destination(packet));
        Assert.Equal(Wire.PseudoHeaderSum(packet), Wire.ChecksumField(packet));
        if (!v6) Assert.Equal(0xFFFF, Wire.OnesSum(packet.AsSpan(0, 20)));

        // The reply direction too.
        var reply = Wire.Build(protocol, Pick(v6, R1Inst4, R1Inst6), Pick(v6, AInst4, AInst6), 80, 666);
        Wire.MakePartial(reply);
        var meta = new PacketMeta { NeedsChecksum = true, PeerIndex = 1 };
        t.Run(PacketSource.Tunnel, reply, ref meta);
        Assert.Equal(IPAddress.Parse(Pick(v6, RemoteClosest4, RemoteClosest6)), Wire.Source(reply));
        Assert.Equal(Wire.PseudoHeaderSum(reply), Wire.ChecksumField(reply));
    }

    [Theory, InlineData(false), InlineData(true)]
    public void Local_target_goes_back_into_the_tun_and_its_reply_gets_the_service_ip(bool v6)
    {
        var t = Translator();
        var request = Wire.Build(Wire.Tcp, Pick(v6, ANs4, ANs6), Pick(v6, ServerRr4, ServerRr6), 40000, 80);

        Assert.Equal(Disposition.ToTun, t.FromTun(request, out _)); // first RR turn: L, on this node
        Assert.Equal(IPAddress.Parse(Pick(v6, AInst4, AInst6)), Wire.Source(request));
        Assert.Equal(IPAddress.Parse(Pick(v6, LNs4, LNs6)), Wire.Destination(request));
        Wire.AssertChecksumsValid(request);

        var reply = Wire.Build(Wire.Tcp, Pick(v6, LNs4, LNs6), Pick(v6, AInst4, AInst6), 80, 40000);
        Assert.Equal(Disposition.ToTun, t.FromTun(reply, out _));
        Assert.Equal(IPAddress.Parse(Pick(v6, ServerRr4, ServerRr6)), Wire.Source(reply));
        Assert.Equal(IPAddress.Parse(Pick(v6, ANs4, ANs6)), Wire.Destination(reply));
        Wire.AssertChecksumsValid(reply);
    }

    [Theory, InlineData(false, Wire.Tcp), InlineData(false, Wire.Udp), InlineData(true, Wire.Tcp), InlineData(true, Wire.Udp)]
    public void Source_port_65535_works_both_ways(bool v6, byte protocol)
    {
        var t = Translator();
        var packet = Wire.Build(protocol, Pick(v6, ANs4, ANs6), Pick(v6, RemoteClosest4, RemoteClosest6), 65535, 65535);
        Assert.Equal(Disposition.ToTunnel, t.FromTun(packet, out _));
        Assert.Equal(65535, Wire.SourcePort(packet));
        var reply = Wire.Build(protocol, Pick(v6, R1Inst4, R1Inst6), Pick(v6, AInst4, AInst6), 65535, 65535);
        Assert.Equal(Disposition.ToTun, t.FromTunnel(reply, 1, out _));
        Assert.Equal(IPAddress.Parse(Pick(v6, RemoteClosest4, RemoteClosest6)), Wire.Source(reply));
        Wire.AssertChecksumsValid(reply);
    }

    [Theory, InlineData(false), InlineData(true)]
    public void Two_local_instances_with_the_same_port_to_the_same_destination_keep_separate_flows(bool v6)
    {
        var t = Translator();
        var fromA = Wire.Build(Wire.Udp, Pick(v6, ANs4, ANs6), Pick(v6, RemoteClosest4, RemoteClosest6), 40000, 53);
        var fromA2 = Wire.Build(Wire.Udp, Pick(v6, A2Ns4, A2Ns6), Pick(v6, RemoteClosest4, RemoteClosest6), 40000, 53);
        t.FromTun(fromA, out _);
        t.FromTun(fromA2, out _);
        Assert.Equal(IPAddress.Parse(Pick(v6, AInst4, AInst6)), Wire.Source(fromA));
        Assert.Equal(IPAddress.Parse(Pick(v6, A2Inst4, A2Inst6)), Wire.Source(fromA2));
        Assert.Equal(2, t.Counters[DataPlaneCounter.FlowNew]);

        var toA2 = Wire.Build(Wire.Udp, Pick(v6, R1Inst4, R1Inst6), Pick(v6, A2Inst4, A2Inst6), 53, 40000);
        var toA = Wire.Build(Wire.Udp, Pick(v6, R1Inst4, R1Inst6), Pick(v6, AInst4, AInst6), 53, 40000);
        t.FromTunnel(toA2, 1, out _);
        t.FromTunnel(toA, 1, out _);
        Assert.Equal(IPAddress.Parse(Pick(v6, A2Ns4, A2Ns6)), Wire.Destination(toA2));
        Assert.Equal(IPAddress.Parse(Pick(v6, ANs4, ANs6)), Wire.Destination(toA));
        Assert.Equal(IPAddress.Parse(Pick(v6, RemoteClosest4, RemoteClosest6)), Wire.Source(toA2));
        Assert.Equal(IPAddress.Parse(Pick(v6, RemoteClosest4, RemoteClosest6)), Wire.Source(toA));
    }

    [Fact]
    public void Udp_over_ipv4_without_checksum_stays_without_checksum()
    {
        var t = Translator();
        var packet = Wire.Build(Wire.Udp, ANs4, RemoteClosest4, 666, 80, udpNoChecksum: true);
        t.FromTun(packet, out _);
        Assert.Equal(0, Wire.ChecksumField(packet));
        Assert.Equal(IPAddress.Parse(R1Inst4), Wire.Destination(packet));
        Wire.AssertChecksumsValid(packet);
    }

    [Theory, InlineData(false), InlineData(true)]
    public void Instance_ip_destination_always_reaches_that_instance(bool v6)
    {
        var t = Translator();
        for (int i = 0; i < 3; i++)
        {
            var packet = Wire.Build(Wire.Tcp, Pick(v6, ANs4, ANs6), Pick(v6, R2Inst4, R2Inst6), (ushort)(1000 + i), 80);
            Assert.Equal(Disposition.ToTunnel, t.FromTun(packet, out var meta));
            Assert.Equal(2, meta.PeerIndex);
            Assert.Equal(IPAddress.Parse(Pick(v6, R2Inst4, R2Inst6)), Wire.Destination(packet));
            Assert.Equal(IPAddress.Parse(Pick(v6, AInst4, AInst6)), Wire.Source(packet));
        }
    }
}
