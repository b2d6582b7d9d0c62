using System.Net;
using Oakestra.Actors.DataPlane.Forwarding;
using Oakestra.Actors.DataPlane.Routing;
using Oakestra.Actors.DataPlane.Tests.Support;
using Oakestra.Actors.DataPlane.Translation;
using static Oakestra.Actors.DataPlane.Tests.Support.Lab;

namespace Oakestra.Actors.DataPlane.Tests.Translation;

/// <summary>
/// A flow belongs to the instance that opened it, in the direction it was opened: a local instance cannot
/// ride another flow by sending its reply's 5-tuple, and an instance that takes over a Namespace IP inherits
/// none of the old owner's flows (their replies are addressed to the old Instance IP).
/// </summary>
public class FlowOwnershipTests
{
    [Theory, InlineData(false), InlineData(true)]
    public void A_local_instance_sending_an_open_flows_reply_tuple_is_dropped_as_spoofed(bool v6)
    {
        var t = Translator();
        var request = Wire.Build(Wire.Tcp, v6 ? ANs6 : ANs4, v6 ? RemoteRr6 : RemoteRr4, 40000, 80);
        Assert.Equal(Disposition.ToTunnel, t.FromTun(request, out _));
        string target = Wire.Destination(request).ToString();
        long hits = t.Counters[DataPlaneCounter.FlowHit];

        // The reply's tuple as it travels on the wire, but sent into the TUN by a local instance.
        var forged = Wire.Build(Wire.Tcp, target, v6 ? AInst6 : AInst4, 80, 40000);
        Assert.Equal(Disposition.Drop, t.FromTun(forged, out _));
        Assert.Equal(1, t.Counters[DataPlaneCounter.DropSpoofed]);
        Assert.Equal(hits, t.Counters[DataPlaneCounter.FlowHit]);
    }

    [Theory, InlineData(false), InlineData(true)]
    public void An_instance_that_takes_over_a_namespace_ip_inherits_none_of_the_old_owners_flows(bool v6)
    {
        const string New4 = "10.30.0.12", New6 = "fdff::c";
        var holder = new SnapshotHolder(RouteSnapshot.Compile(Spec(version: 1)));
        var t = new PacketTranslator(holder, SmallOptions());
        string ns = v6 ? ANs6 : ANs4, dialled = v6 ? RemoteRr6 : RemoteRr4;
        var request = Wire.Build(Wire.Udp, ns, dialled, 40000, 53);
        Assert.Equal(Disposition.ToTunnel, t.FromTun(request, out var meta));
        string target = Wire.Destination(request).ToString();
        int peer = meta.PeerIndex;

        // The client instance is replaced by another one on the same Namespace IPs.
        holder.Publish(RouteSnapshot.Compile(Spec(version: 2) with
        {
            LocalInstances = [new("client", IPAddress.Parse(New4), IPAddress.Parse(New6), IPAddress.Parse(ANs4), IPAddress.Parse(ANs6)),
                              .. Spec().LocalInstances.Skip(1)],
        }));

        // Its first packet on the old tuple opens a flow of its own, under its own Instance IP.
        var again = Wire.Build(Wire.Udp, ns, dialled, 40000, 53);
        Assert.Equal(Disposition.ToTunnel, t.FromTun(again, out _));
        Assert.Equal(IPAddress.Parse(v6 ? New6 : New4), Wire.Source(again));
        Assert.Equal(2, t.Counters[DataPlaneCounter.FlowNew]);

        // A late reply to the old owner's Instance IP does not reach the new instance.
        Assert.Equal(Disposition.Drop, t.FromTunnel(Wire.Build(Wire.Udp, target, v6 ? AInst6 : AInst4, 53, 40000), peer, out _));
        Assert.Equal(1, t.Counters[DataPlaneCounter.DropUnknownDestination]);

        // A reply to the new one does, from the Service IP it dialled.
        string newTarget = Wire.Destination(again).ToString();
        var reply = Wire.Build(Wire.Udp, newTarget, v6 ? New6 : New4, 53, 40000);
        Assert.Equal(Disposition.ToTun, t.FromTunnel(reply, peer, out _));
        Assert.Equal(IPAddress.Parse(dialled), Wire.Source(reply));
        Assert.Equal(IPAddress.Parse(ns), Wire.Destination(reply));
        Wire.AssertChecksumsValid(reply);
    }
}
