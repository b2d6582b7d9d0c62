using System.Net;
using Oakestra.Actors.DataPlane.Forwarding;
using Oakestra.Actors.DataPlane.Routing;
using Oakestra.Actors.DataPlane.Tests.Support;
using Oakestra.Actors.DataPlane.Translation;
using static Oakestra.Actors.DataPlane.Tests.Support.Lab;

namespace Oakestra.Actors.DataPlane.Tests.Translation;

/// <summary>Packets arriving through the tunnel: moved instances, unknown destinations, learned senders, migration.</summary>
public class TunnelTests
{
    [Fact]
    public void Packet_for_an_instance_that_moved_is_forwarded_once_to_its_new_node()
    {
        var t = Translator();
        var packet = Wire.Build(Wire.Tcp, S2Inst4, R1Inst4, 80, 5000);
        var before = (byte[])packet.Clone();

        Assert.Equal(Disposition.ToTunnel, t.FromTunnel(packet, peer: 0, out var meta));
        Assert.Equal(1, meta.PeerIndex);
        Assert.True(meta.TunnelFlags.HasFlag(TunnelFlags.Forwarded));
        Assert.Equal(before, packet);

        Assert.Equal(Disposition.Drop, t.FromTunnel(packet, peer: 0, out _, TunnelFlags.Forwarded));
        Assert.Equal(1, t.Counters[DataPlaneCounter.DropAlreadyForwarded]);
    }

    [Theory]
    [InlineData("10.30.7.7")]  // unknown Instance IP
    [InlineData(RemoteRr4)]   // a Service IP: senders on the wire always use Instance IPs
    public void Packet_for_an_unknown_destination_is_dropped(string destination)
    {
        var t = Translator();
        Assert.Equal(Disposition.Drop, t.FromTunnel(Wire.Build(Wire.Udp, R0Inst4, destination, 1, 2), 0, out _));
        Assert.Equal(1, t.Counters[DataPlaneCounter.DropUnknownDestination]);
    }

    [Fact]
    public void Tunnel_source_outside_the_service_ranges_is_dropped()
    {
        var t = Translator();
        Assert.Equal(Disposition.Drop, t.FromTunnel(Wire.Build(Wire.Udp, "192.168.1.1", AInst4, 1, 2), 0, out _));
        Assert.Equal(1, t.Counters[DataPlaneCounter.DropTunnelSourceNotService]);
    }

    [Theory, InlineData(false), InlineData(true)]
    public void Replies_to_a_sender_learned_from_the_tunnel_go_back_to_the_peer_it_came_from(bool v6)
    {
        var t = Translator();
        string stranger = v6 ? R2Inst6 : R2Inst4; // placed on peer 2; its first packet opens the flow
        // (a sender the routes do not know waits for its route first: TunnelTrustTests)
        var request = Wire.Build(Wire.Tcp, stranger, v6 ? AInst6 : AInst4, 5000, 8080);
        Assert.Equal(Disposition.ToTun, t.FromTunnel(request, peer: 2, out _));
        Assert.Equal(IPAddress.Parse(stranger), Wire.Source(request));
        Assert.Equal(IPAddress.Parse(v6 ? ANs6 : ANs4), Wire.Destination(request));

        var reply = Wire.Build(Wire.Tcp, v6 ? ANs6 : ANs4, stranger, 8080, 5000);
        Assert.Equal(Disposition.ToTunnel, t.FromTun(reply, out var meta));
        Assert.Equal(2, meta.PeerIndex);
        Assert.Equal(IPAddress.Parse(v6 ? AInst6 : AInst4), Wire.Source(reply));
        Assert.Equal(IPAddress.Parse(stranger), Wire.Destination(reply));
        Wire.AssertChecksumsValid(reply);

        // The stranger's next packet answers the learned flow (the reply hit path).
        var next = Wire.Build(Wire.Tcp, stranger, v6 ? AInst6 : AInst4, 5000, 8080);
        Assert.Equal(Disposition.ToTun, t.FromTunnel(next, peer: 2, out _));
        Assert.Equal(IPAddress.Parse(stranger), Wire.Source(next));
        Assert.Equal(IPAddress.Parse(v6 ? ANs6 : ANs4), Wire.Destination(next));
        Wire.AssertChecksumsValid(next);
        Assert.Equal(1, t.Counters[DataPlaneCounter.FlowLearned]);
    }

    [Fact]
    public void A_stranger_without_an_incoming_flow_waits_for_a_route_instead()
    {
        var t = Translator();
        Assert.Equal(Disposition.Queued, t.FromTun(Wire.Build(Wire.Tcp, ANs4, "10.30.9.9", 8080, 5000), out _));
    }

    [Theory]
    [InlineData(Wire.Tcp)]
    [InlineData(Wire.Udp)]
    public void An_open_flow_stays_with_the_node_it_started_on_when_its_instance_migrates_and_new_connections_go_to_the_new_node(byte protocol)
    {
        // Make-before-break: the old placement drains on peer 0 while the routes already name peer 2. The open
        // connection's state lives in the old placement; the new one would only answer it with a reset.
        var holder = new SnapshotHolder(RouteSnapshot.Compile(Spec(version: 1)));
        var t = new PacketTranslator(holder, SmallOptions());
        byte syn = 0x02, ack = 0x10, pshAck = 0x18;
        var first = Wire.Build(protocol, ANs4, RemoteRr4, 40000, 80, tcpFlags: syn);
        Assert.Equal(Disposition.ToTunnel, t.FromTun(first, out var meta)); // first RR turn: R0 on peer 0
        Assert.Equal(0, meta.PeerIndex);
        Assert.Equal(IPAddress.Parse(R0Inst4), Wire.Destination(first));

        holder.Publish(RouteSnapshot.Compile(Spec(version: 2, r0Peer: 2), previous: holder.Current));
        foreach (var flags in new[] { ack, pshAck, ack })
        {
            var next = Wire.Build(protocol, ANs4, RemoteRr4, 40000, 80, tcpFlags: flags);
            Assert.Equal(Disposition.ToTunnel, t.FromTun(next, out meta));
            Assert.Equal(0, meta.PeerIndex);
            Assert.Equal(IPAddress.Parse(AInst4), Wire.Source(next));
            Assert.Equal(IPAddress.Parse(R0Inst4), Wire.Destination(next)); // same instance, same Instance IP
            Wire.AssertChecksumsValid(next);
        }
        Assert.Equal(1, t.Counters[DataPlaneCounter.FlowNew]);

        // A new connection to the same instance goes to its new node.
        var fresh = Wire.Build(protocol, ANs4, R0Inst4, 40001, 80, tcpFlags: syn);
        Assert.Equal(Disposition.ToTunnel, t.FromTun(fresh, out meta));
        Assert.Equal(2, meta.PeerIndex);

        if (protocol == Wire.Tcp)
        {
            // So does a new connection that reuses the first one's ports (its SYN), and the rest of it.
            foreach (var flags in new[] { syn, ack, pshAck })
            {
                var reused = Wire.Build(protocol, ANs4, RemoteRr4, 40000, 80, tcpFlags: flags);
                Assert.Equal(Disposition.ToTunnel, t.FromTun(reused, out meta));
                Assert.Equal(2, meta.PeerIndex);
                Assert.Equal(IPAddress.Parse(R0Inst4), Wire.Destination(reused));
                Wire.AssertChecksumsValid(reused);
            }
        }
    }

    [Fact]
    public void An_open_flow_whose_instance_comes_back_to_its_node_is_routed_normally_again()
    {
        var holder = new SnapshotHolder(RouteSnapshot.Compile(Spec(version: 1)));
        var t = new PacketTranslator(holder, SmallOptions());
        Assert.Equal(Disposition.ToTunnel, t.FromTun(Wire.Build(Wire.Udp, ANs4, R0Inst4, 40000, 53), out var meta));
        Assert.Equal(0, meta.PeerIndex);
        holder.Publish(RouteSnapshot.Compile(Spec(version: 2, r0Peer: 2), previous: holder.Current));
        Assert.Equal(Disposition.ToTunnel, t.FromTun(Wire.Build(Wire.Udp, ANs4, R0Inst4, 40000, 53), out meta));
        Assert.Equal(0, meta.PeerIndex);
        holder.Publish(RouteSnapshot.Compile(Spec(version: 3, r0Peer: 0), previous: holder.Current));
        var hitsBefore = t.Counters[DataPlaneCounter.FlowHit];
        Assert.Equal(Disposition.ToTunnel, t.FromTun(Wire.Build(Wire.Udp, ANs4, R0Inst4, 40000, 53), out meta));
        Assert.Equal(0, meta.PeerIndex);
        Assert.Equal(hitsBefore + 1, t.Counters[DataPlaneCounter.FlowHit]);
        Assert.Equal(1, t.Counters[DataPlaneCounter.FlowNew]);
    }

    [Fact]
    public void A_flow_whose_instance_was_undeployed_is_dropped_and_forgotten()
    {
        var holder = new SnapshotHolder(RouteSnapshot.Compile(Spec(version: 1)));
        var t = new PacketTranslator(holder, SmallOptions());
        t.FromTun(Wire.Build(Wire.Tcp, ANs4, RemoteRr4, 40000, 80), out _);
        holder.Publish(RouteSnapshot.Compile(Spec(version: 2, withRemote: false)));

        Assert.Equal(Disposition.Drop, t.FromTun(Wire.Build(Wire.Tcp, ANs4, RemoteRr4, 40000, 80), out _));
        Assert.Equal(1, t.Counters[DataPlaneCounter.DropFlowTargetGone]);
        Assert.Equal(0, t.FlowCount);
    }

    [Fact]
    public void A_flow_of_an_instance_that_left_this_node_stops_at_the_next_snapshot()
    {
        var holder = new SnapshotHolder(RouteSnapshot.Compile(Spec(version: 1)));
        var t = new PacketTranslator(holder, SmallOptions());
        Assert.Equal(Disposition.ToTunnel, t.FromTun(Wire.Build(Wire.Udp, ANs4, RemoteRr4, 40000, 53), out _));
        holder.Publish(RouteSnapshot.Compile(Spec(version: 2) with { LocalInstances = [.. Spec().LocalInstances.Skip(1)] }));

        Assert.Equal(Disposition.Drop, t.FromTun(Wire.Build(Wire.Udp, ANs4, RemoteRr4, 40000, 53), out _));
        Assert.Equal(1, t.Counters[DataPlaneCounter.DropSpoofed]);
        Assert.Equal(0, t.FlowCount);
    }
}
