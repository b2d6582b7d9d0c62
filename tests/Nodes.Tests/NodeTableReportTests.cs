using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.DataPlane.Loop;
using Oakestra.Actors.WorkerNode.Actors;
using Oakestra.Actors.WorkerNode.Adapters;
using Oakestra.Actors.WorkerNode.Ports;
using Oakestra.Actors.WorkerNode.Ports.Inert;
using TranslatorCounters = Oakestra.Actors.DataPlane.Translation.DataPlaneCounters;

namespace Oakestra.Actors.Nodes.Tests;

/// <summary>The worker's answer to `oak table`, without actors: where each Instance IP leads, and the counters' names and sums.</summary>
public class NodeTableReportTests
{
    private static readonly Ipv4Address I0 = Ipv4Address.Parse("10.30.0.10"), I1 = Ipv4Address.Parse("10.30.0.11");
    private static readonly Ipv6Address I0v6 = Ipv6Address.Parse("fdff::10"), I1v6 = Ipv6Address.Parse("fdff::11");

    private static InstanceTarget Target(string id, Ipv4Address v4, Ipv6Address v6, string? node, bool local, string? endpoint) =>
        new(id, v4, v6, InstanceStatus.Running, "a", node, 2, local, endpoint, null, null, null);

    [Fact]
    public void A_draining_placement_here_keeps_its_Instance_IP_local_while_the_routes_already_name_the_new_node()
    {
        // Mid-migration: the routes say w2 owns s.0 now, but its old placement still drains on this node (as the adapter forwards).
        var table = new DataPlaneTable(9, "a", "w1", 0, 0,
            [new LocalInstanceEntry("s.0", "s", I0, I0v6, Ipv4Address.Parse("10.18.0.2"), Ipv6Address.Parse("fc00::2"), 1, Draining: true)],
            [new ServiceEntry("s", 4, [new ServiceAddress(BalancingPolicies.RoundRobin, Ipv4Address.Parse("10.30.0.1"), null)],
                [Target("s.0", I0, I0v6, "w2", false, "10.0.0.2:50103"), Target("s.1", I1, I1v6, "w3", false, null)])],
            []);

        var report = NodeTableReport.Of("a", "w1", table, null, NodeCounters.None("inert"));

        var instances = Assert.Single(report.Services).Instances;
        Assert.Equal(("local", "10.18.0.2", "fc00::2", (string?)null), (instances[0].Via, instances[0].NamespaceIpv4, instances[0].NamespaceIpv6, instances[0].TunnelEndpoint));
        Assert.Equal("none", instances[1].Via); // an owner without a tunnel endpoint cannot be reached: not routed
        Assert.Equal(9, report.TableVersion);
        Assert.True(Assert.Single(report.LocalInstances).Draining);
    }

    [Fact]
    public void A_route_naming_this_node_before_its_start_completed_is_not_routed_and_the_rest_of_the_table_still_is()
    {
        // The root placed s.0 here; the route arrived before the host reported the running placement. There is no
        // Namespace IP to deliver to yet: the data plane must not be handed a local instance it cannot compile
        // (that used to fail the whole publish, freezing every other route on this node at the previous table).
        var table = new DataPlaneTable(10, "a", "w1", 0, 0, [],
            [new ServiceEntry("s", 5, [new ServiceAddress(BalancingPolicies.RoundRobin, Ipv4Address.Parse("10.30.0.1"), null)],
                [Target("s.0", I0, I0v6, "w1", true, null), Target("s.1", I1, I1v6, "w3", false, "10.0.0.3:50103")])],
            []);

        var instances = Assert.Single(NodeTableReport.Of("a", "w1", table, null, NodeCounters.None("inert")).Services).Instances;

        Assert.Equal(("none", (string?)null), (instances[0].Via, instances[0].NamespaceIpv4));
        Assert.Equal(("tunnel", "10.0.0.3:50103"), (instances[1].Via, instances[1].TunnelEndpoint));
        Assert.Equal(InstanceVia.None, InstanceRouting.Via(table.Services[0].Instances[0], runsHere: false));
        Assert.Equal(InstanceVia.Local, InstanceRouting.Via(table.Services[0].Instances[0], runsHere: true));
    }

    [Fact]
    public void Before_any_publish_the_report_says_no_table_and_an_inert_data_plane_counts_nothing()
    {
        var report = NodeTableReport.Of("a", "w1", null, null, new InertDataPlane().ReadCounters());
        Assert.Null(report.TableVersion);
        Assert.Empty(report.Services);
        Assert.Equal(("inert", 0L), (report.Counters.Source, report.Counters.PacketsTranslated));
    }

    [Fact]
    public void Forwarding_counters_name_every_drop_reason_and_add_the_io_side_to_the_totals()
    {
        var io = new IoCounterSnapshot { TunPacketsIn = 10, TunnelPacketsIn = 4, TunPacketsOut = 3, TunnelDatagramsOut = 9, TunnelUnknownPeer = 2, TunTruncated = 1 };

        var c = ForwardingCounters.Read(new TranslatorCounters(), io, flows: 6, waitingDestinations: 1);

        Assert.Equal(("forwarding", 6L, 14L, 12L, 4L, 9L, 1L), (c.Source, c.FlowsActive, c.PacketsIn, c.PacketsOut, c.TunnelPacketsIn, c.TunnelDatagramsOut, c.MissesWaiting));
        Assert.Equal(3, c.DroppedTotal);
        Assert.Equal(2, c.Drops["tunnel_unknown_peer"]);
        Assert.Equal(1, c.Drops["tun_truncated"]);
        // Every translator drop reason is listed, zero or not, by its name without the Drop prefix.
        var translatorReasons = Enum.GetNames<Oakestra.Actors.DataPlane.Translation.DataPlaneCounter>().Count(n => n.StartsWith("Drop", StringComparison.Ordinal));
        Assert.Equal(translatorReasons + 16, c.Drops.Count);
        Assert.Equal(0, c.Drops["spoofed"]);
        // The tunnel's trust reasons (the last three count only with Oak:Tunnel:Security = aead).
        Assert.Equal(0, c.Drops["source_not_on_peer"]);
        Assert.Equal(0, c.Drops["learn_conflict"]);
        Assert.Equal(0, c.Drops["tunnel_auth_failed"]);
        Assert.Equal(0, c.Drops["tunnel_replayed"]);
        Assert.Equal(0, c.Drops["tunnel_no_key"]);
        Assert.Equal(0, c.Drops["miss_expired"]);
        Assert.Equal(10, c.All["io_tun_packets_in"]);
        Assert.Equal(0, c.All["flow_new"]);
        Assert.DoesNotContain("io_io_drops", c.All.Keys); // sums are not counters of their own
    }
}
