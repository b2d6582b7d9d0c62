using System.Net;
using Oakestra.Actors.DataPlane.Balancing;
using Oakestra.Actors.DataPlane.Forwarding;
using Oakestra.Actors.DataPlane.Routing;
using Oakestra.Actors.DataPlane.Tests.Support;
using Oakestra.Actors.DataPlane.Translation;
using static Oakestra.Actors.DataPlane.Tests.Support.Lab;

namespace Oakestra.Actors.DataPlane.Tests.Translation;

/// <summary>
/// Whom the tunnel believes (docs/DESIGN.md §4 "Tunnel format and trust"): an inner packet is taken only when the
/// routes place its source on the peer it came from, or it answers a flow open with that peer, or it carries
/// the forwarded-once mark for a remote Instance IP; a source the routes do not know waits for its route; a
/// learned flow never replaces an open flow's forward key. Expected packets are built from scratch by
/// <see cref="Wire"/> (its own checksums), never by the code under test.
/// </summary>
public class TunnelTrustTests
{
    [Theory, InlineData(-1), InlineData(3)]
    public void A_packet_from_a_sender_that_is_no_peer_of_the_routes_is_dropped_and_counted(int peer)
    {
        var t = Translator();
        Assert.Equal(Disposition.Drop, t.FromTunnel(Wire.Build(Wire.Udp, R1Inst4, AInst4, 53, 40000), peer, out _));
        Assert.Equal(1, t.Counters[DataPlaneCounter.DropSourceNotOnPeer]);
        Assert.Equal(0, t.FlowCount);
    }

    [Theory, InlineData(false), InlineData(true)]
    public void An_inner_source_placed_on_peer_1_arriving_from_peer_2_is_dropped_and_the_open_flow_still_reaches_its_instance(bool v6)
    {
        var t = Translator(Spec(r0Peer: 1)); // the first Round Robin turn picks R0, on peer 1
        string ns = v6 ? ANs6 : ANs4, local = v6 ? AInst6 : AInst4, dialled = v6 ? RemoteRr6 : RemoteRr4, target = v6 ? R0Inst6 : R0Inst4;
        Assert.Equal(Disposition.ToTunnel, t.FromTun(Wire.Build(Wire.Udp, ns, dialled, 40000, 53), out var meta));
        Assert.Equal(1, meta.PeerIndex);

        // The open flow's reply tuple, and one no flow has, both from peer 2.
        Assert.Equal(Disposition.Drop, t.FromTunnel(Wire.Build(Wire.Udp, target, local, 53, 40000), peer: 2, out _));
        Assert.Equal(Disposition.Drop, t.FromTunnel(Wire.Build(Wire.Udp, target, local, 53, 40001), peer: 2, out _));
        Assert.Equal(2, t.Counters[DataPlaneCounter.DropSourceNotOnPeer]);
        Assert.Equal(0, t.Counters[DataPlaneCounter.FlowLearned]);

        var reply = Wire.Build(Wire.Udp, target, local, 53, 40000);
        Assert.Equal(Disposition.ToTun, t.FromTunnel(reply, peer: 1, out _));
        Assert.Equal(Wire.Build(Wire.Udp, dialled, ns, 53, 40000), reply);
    }

    [Fact]
    public void A_datagram_claiming_the_dialled_service_ip_as_its_source_does_not_take_over_the_open_flow()
    {
        var t = Translator();
        Assert.Equal(Disposition.ToTunnel, t.FromTun(Wire.Build(Wire.Tcp, ANs4, RemoteRr4, 40000, 80), out var meta));
        Assert.Equal(0, meta.PeerIndex);

        // Learning this one would give the open flow's forward key (A:40000 → the Service IP:80) to peer 2.
        Assert.Equal(Disposition.Drop, t.FromTunnel(Wire.Build(Wire.Tcp, RemoteRr4, AInst4, 80, 40000), peer: 2, out _));
        Assert.Equal(1, t.Counters[DataPlaneCounter.DropSourceNotOnPeer]);

        var next = Wire.Build(Wire.Tcp, ANs4, RemoteRr4, 40000, 80);
        Assert.Equal(Disposition.ToTunnel, t.FromTun(next, out meta));
        Assert.Equal(0, meta.PeerIndex);
        Assert.Equal(Wire.Build(Wire.Tcp, AInst4, R0Inst4, 40000, 80), next);
    }

    [Fact]
    public void A_learned_flow_never_replaces_an_open_flows_forward_key()
    {
        // A new instance took A's Namespace IPs; A's flow to R1 is re-checked only at its next outgoing packet.
        const string New4 = "10.30.0.12", New6 = "fdff::c";
        var holder = new SnapshotHolder(RouteSnapshot.Compile(Spec(version: 1)));
        var t = new PacketTranslator(holder, SmallOptions());
        t.SetTime(T0);
        Assert.Equal(Disposition.ToTunnel, t.FromTun(Wire.Build(Wire.Udp, ANs4, R1Inst4, 40000, 53), out var meta));
        Assert.Equal(1, meta.PeerIndex);
        holder.Publish(RouteSnapshot.Compile(Spec(version: 2) with
        {
            LocalInstances = [new("client", IPAddress.Parse(New4), IPAddress.Parse(New6), IPAddress.Parse(ANs4), IPAddress.Parse(ANs6)),
                              .. Spec().LocalInstances.Skip(1)],
        }));

        // From R1's own peer, to the new instance on the old tuple: its learned forward key is the open flow's.
        Assert.Equal(Disposition.Drop, t.FromTunnel(Wire.Build(Wire.Udp, R1Inst4, New4, 53, 40000), peer: 1, out _));
        Assert.Equal(1, t.Counters[DataPlaneCounter.DropLearnConflict]);
        Assert.Equal(0, t.Counters[DataPlaneCounter.FlowLearned]);
        Assert.Equal(0, t.Counters[DataPlaneCounter.FlowConflict]);
        Assert.Equal(1, t.FlowCount);
    }

    [Theory, InlineData(2), InlineData(1)]
    public void A_source_the_routes_do_not_know_waits_for_its_route_and_is_believed_only_from_the_peer_it_names(int placedOn)
    {
        const string Stranger = "10.30.9.9";
        var holder = new SnapshotHolder(RouteSnapshot.Compile(Spec(version: 1)));
        var t = new PacketTranslator(holder, SmallOptions());
        t.SetTime(T0);
        Assert.Equal(Disposition.Queued, t.FromTunnel(Wire.Build(Wire.Udp, Stranger, AInst4, 5000, 8080), peer: 2, out _));
        Assert.True(t.TryReadMiss(out var miss));
        Assert.Equal(IPAddress.Parse(Stranger), miss.Address);

        var spec = Spec(version: 2);
        holder.Publish(RouteSnapshot.Compile(spec with
        {
            Services = [.. spec.Services, new ServiceSpec("stranger", [], [new(IPAddress.Parse(Stranger), null, placedOn)])],
        }, BalancingOptions.Default, holder.Current));
        var sink = new CollectingSink();
        t.Poll(T0 + 1, ref sink);

        if (placedOn == 2)
        {
            var (where, packet, _) = Assert.Single(sink.Emitted);
            Assert.Equal(Disposition.ToTun, where);
            Assert.Equal(Wire.Build(Wire.Udp, Stranger, ANs4, 5000, 8080), packet);
            Assert.Equal(1, t.Counters[DataPlaneCounter.FlowLearned]);
        }
        else
        {
            Assert.Empty(sink.Emitted);
            Assert.Equal(1, t.Counters[DataPlaneCounter.DropSourceNotOnPeer]);
            Assert.Equal(0, t.FlowCount);
        }
    }

    [Fact]
    public void The_forwarded_once_mark_is_believed_only_for_a_remote_instance_ip()
    {
        var t = Translator();
        // From peer 0, R1's packet (R1 lives on peer 1) carried on by the node A used to live on.
        var forwarded = Wire.Build(Wire.Udp, R1Inst4, AInst4, 53, 40000);
        Assert.Equal(Disposition.ToTun, t.FromTunnel(forwarded, peer: 0, out _, TunnelFlags.Forwarded));
        Assert.Equal(Wire.Build(Wire.Udp, R1Inst4, ANs4, 53, 40000), forwarded);

        // Without the mark the same source is not peer 0's; and no peer ever sends for an instance of this node.
        Assert.Equal(Disposition.Drop, t.FromTunnel(Wire.Build(Wire.Udp, R1Inst4, AInst4, 53, 40001), peer: 0, out _));
        Assert.Equal(Disposition.Drop, t.FromTunnel(Wire.Build(Wire.Udp, LInst4, AInst4, 53, 40002), peer: 0, out _, TunnelFlags.Forwarded));
        Assert.Equal(2, t.Counters[DataPlaneCounter.DropSourceNotOnPeer]);
    }
}
