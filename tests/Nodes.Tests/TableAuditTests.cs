using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.WorkerNode.Actors;
using Oakestra.Actors.WorkerNode.Ports;

namespace Oakestra.Actors.Nodes.Tests;

/// <summary>One bad entry costs that entry, not the whole table (before: the worker kept forwarding by its last good table, silently).</summary>
public class TableAuditTests
{
    private static readonly ServiceAddress Rr = new(BalancingPolicies.RoundRobin, Ipv4Address.Parse("10.30.0.1"), null);

    private static InstanceTarget Remote(string id, int host, string node, string endpoint) =>
        new(id, Ipv4Address.Parse($"10.30.1.{host}"), Ipv6Address.Parse($"fdff::1:{host}"), InstanceStatus.Running, "a", node, 1, false, endpoint, null, null, null);

    private static bool AddressAndPort(string endpoint) => Oakestra.Actors.WorkerNode.Adapters.ForwardingDataPlane.CanSendTo(endpoint);

    private static DataPlaneTable Table(IReadOnlyList<ServiceEntry> services, IReadOnlyList<PeerEntry>? peers = null, IReadOnlyList<LocalInstanceEntry>? locals = null) =>
        new(3, "a", "w1", 0, 0, locals ?? [], services, peers ?? []);

    [Fact]
    public void A_good_table_passes_unchanged()
    {
        var table = Table([new ServiceEntry("s", 1, [Rr], [Remote("s.0", 1, "w2", "10.99.0.4:50103")])],
            [new PeerEntry("a", "w2", "10.99.0.4:50103", null, null, null)]);
        var (kept, refused) = TableAudit.Check(table, AddressAndPort);
        Assert.Same(table, kept);
        Assert.Empty(refused);
    }

    [Fact]
    public void An_unparsable_tunnel_endpoint_and_a_duplicate_Instance_IP_are_left_out_and_named_the_rest_stays()
    {
        var table = Table(
            [
                new ServiceEntry("s", 1, [Rr], [Remote("s.0", 1, "w2", "10.99.0.4:50103"), Remote("s.1", 2, "w9", "w9.invalid:50103")]),
                new ServiceEntry("t", 1, [Rr], [Remote("t.0", 1, "w3", "10.99.0.5:50103"), Remote("t.1", 3, "w3", "10.99.0.5:50103")]),
                new ServiceEntry("s", 2, [Rr], []),
            ],
            [new PeerEntry("a", "w2", "10.99.0.4:50103", null, null, null), new PeerEntry("a", "w9", "w9.invalid:50103", null, null, null)]);

        var (kept, refused) = TableAudit.Check(table, AddressAndPort);

        Assert.Equal(["s.0"], kept.Services.Single(s => s.ServiceId == "s").Instances.Select(i => i.InstanceId));
        Assert.Equal(["t.1"], kept.Services.Single(s => s.ServiceId == "t").Instances.Select(i => i.InstanceId));
        Assert.Equal(["s", "t"], kept.Services.Select(s => s.ServiceId));
        Assert.Equal(["w2"], kept.Peers.Select(p => p.Node));
        Assert.Equal(
            [
                ("peer a/w9", "tunnel endpoint 'w9.invalid:50103' is not address:port"),
                ("instance s.1", "its owner w9's tunnel endpoint 'w9.invalid:50103' is not address:port"),
                ("instance t.0", "Instance IP 10.30.1.1 is also s.0's"),
                ("service s (version 2)", "listed twice; the first is kept"),
            ],
            refused.Select(r => (r.Entry, r.Reason)));

        // What `oak table` shows.
        var report = NodeTableReport.Of("a", "w1", kept, null, NodeCounters.None("inert"), refused);
        Assert.Equal(4, report.Refused!.Count);
        Assert.Equal("instance s.1", report.Refused[1].Entry);
    }

    [Fact]
    public void A_local_placement_with_another_ones_Namespace_IP_is_left_out()
    {
        var ns4 = Ipv4Address.Parse("10.18.0.2");
        var ns6 = Ipv6Address.Parse("fc00::2");
        var a = new LocalInstanceEntry("s.0", "s", Ipv4Address.Parse("10.30.1.1"), Ipv6Address.Parse("fdff::1:1"), ns4, ns6, 1, false);
        var b = new LocalInstanceEntry("s.1", "s", Ipv4Address.Parse("10.30.1.2"), Ipv6Address.Parse("fdff::1:2"), ns4, Ipv6Address.Parse("fc00::3"), 1, false);
        var local = new InstanceTarget("s.0", a.InstanceV4, a.InstanceV6, InstanceStatus.Running, "a", "w1", 1, true, null, null, null, null);

        var (kept, refused) = TableAudit.Check(Table([new ServiceEntry("s", 1, [Rr], [local])], locals: [a, b]), AddressAndPort);

        Assert.Equal(["s.0"], kept.LocalInstances.Select(l => l.InstanceId));
        Assert.Equal("Namespace IP 10.18.0.2 is also s.0's", Assert.Single(refused).Reason);
    }
}
