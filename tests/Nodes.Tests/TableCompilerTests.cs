using System.Collections.Immutable;
using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Nodes.Tests.Fakes;
using Oakestra.Actors.WorkerNode.Actors;
using Oakestra.Actors.WorkerNode.Ports;

namespace Oakestra.Actors.Nodes.Tests;

public class TableCompilerTests
{
    private static readonly WorkerSettings Self = new("a", "w1", "10.0.0.1:50103");

    [Fact]
    public void Owners_are_local_or_reached_through_their_nodes_tunnel_endpoint_with_coordinates_and_RTT()
    {
        var routes = Svc.Routes(1, 9,
            Svc.Instance(1, 0, new Placement("a", "w1", Ipv4Address.Parse("10.18.0.2"), null, "10.0.0.1:50103", 3)),
            Svc.Instance(1, 1, new Placement("a", "w2", Ipv4Address.Parse("10.18.0.66"), null, "10.0.0.2:50103", 5)),
            Svc.Instance(1, 2, new Placement("b", "x7", null, null, "10.9.0.7:50103", 1)),
            Svc.Instance(1, 3, null, InstanceStatus.Pending));
        var peers = new[] { new SitePeer("a", "w1", "10.0.0.1:50103", 1, 1), new SitePeer("a", "w2", "10.0.0.2:50103", 48.1, 11.6) };
        var rtts = new Dictionary<string, TimeSpan> { ["10.0.0.2:50103"] = TimeSpan.FromMilliseconds(4) };

        var table = TableCompiler.Compile(42, Self, 1, 1, ImmutableDictionary<string, ServiceRoutes>.Empty.Add(routes.ServiceId, routes), [], peers, rtts);

        Assert.Equal(42, table.Version);
        var service = Assert.Single(table.Services);
        Assert.Equal(9, service.Version);
        Assert.Equal(2, service.Addresses.Count);
        var (local, sameSite, otherSite, pending) = (service.Instances[0], service.Instances[1], service.Instances[2], service.Instances[3]);
        Assert.True(local.Local);
        Assert.Null(local.TunnelEndpoint);
        Assert.Equal((false, "10.0.0.2:50103", 48.1, 11.6, TimeSpan.FromMilliseconds(4), 5L),
            (sameSite.Local, sameSite.TunnelEndpoint, sameSite.Latitude, sameSite.Longitude, sameSite.Rtt, sameSite.Epoch));
        Assert.Equal(("x7", "10.9.0.7:50103", (double?)null, (TimeSpan?)null), (otherSite.Node, otherSite.TunnelEndpoint, otherSite.Latitude, otherSite.Rtt));
        Assert.Null(pending.Node);

        // Peers: the other site workers and the remote owner in the other site, never this node itself.
        Assert.Equal(["10.0.0.2:50103", "10.9.0.7:50103"], table.Peers.Select(p => p.TunnelEndpoint));
    }

    [Fact]
    public void Each_peer_carries_its_tunnel_key_and_salt_from_SitePeers_or_for_another_site_from_the_owner_placement()
    {
        var routes = Svc.Routes(1, 9,
            Svc.Instance(1, 0, new Placement("a", "w2", Ipv4Address.Parse("10.18.0.66"), null, "10.0.0.2:50103", 5, null, "stale-key", "stale-salt")),
            Svc.Instance(1, 1, new Placement("b", "x7", null, null, "10.9.0.7:50103", 1, null, "x7-key", "x7-salt")));
        // The site's own list is the authority for its workers (it follows their registrations); a placement only fills in
        // for a node of another site, which no SitePeers names.
        var peers = new[] { new SitePeer("a", "w2", "10.0.0.2:50103", 48.1, 11.6, "w2-key", "w2-salt-after-restart") };

        var table = TableCompiler.Compile(1, Self, 1, 1, ImmutableDictionary<string, ServiceRoutes>.Empty.Add(routes.ServiceId, routes), [], peers,
            new Dictionary<string, TimeSpan>());

        Assert.Equal([("10.0.0.2:50103", "w2-key", "w2-salt-after-restart"), ("10.9.0.7:50103", "x7-key", "x7-salt")],
            table.Peers.Select(p => (p.TunnelEndpoint, p.TunnelPublicKey, p.TunnelSalt)));
    }
}
