using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.WorkerNode.Ports;

namespace Oakestra.Actors.WorkerNode.Actors;

/// <summary>
/// The answer to `oak table`: the table the data plane was last given, as a report. Pure, so the mapping is
/// tested without actors. "Where an Instance IP leads" follows what the forwarding adapter does with the
/// table (<see cref="InstanceRouting"/>).
/// </summary>
public static class NodeTableReport
{
    public static NodeTable Of(string site, string node, DataPlaneTable? table, DateTime? publishedAtUtc, NodeCounters counters,
        IReadOnlyList<RefusedEntry>? refused = null) =>
        Of(site, node, table, publishedAtUtc, counters) with
        {
            Refused = refused is { Count: > 0 } ? [.. refused.Select(r => new NodeTableRefusal(r.Entry, r.Reason))] : null,
        };

    private static NodeTable Of(string site, string node, DataPlaneTable? table, DateTime? publishedAtUtc, NodeCounters counters)
    {
        if (table is null) return new NodeTable(site, node, null, null, [], [], [], counters);

        var locals = table.LocalInstances;
        var services = table.Services
            .OrderBy(s => s.ServiceId, StringComparer.Ordinal)
            .Select(s => new NodeTableService(
                s.ServiceId,
                s.Version,
                s.Addresses.Select(a => new NodeTableServiceIp(a.Policy, a.V4?.ToString(), a.V6?.ToString())).ToArray(),
                s.Instances.OrderBy(i => i.InstanceId, StringComparer.Ordinal).Select(i => Target(i, locals)).ToArray()))
            .ToArray();
        var local = locals.Select(l => new NodeTableLocalInstance(
            l.InstanceId, l.ServiceId, l.InstanceV4.ToString(), l.InstanceV6.ToString(),
            l.NamespaceV4.ToString(), l.NamespaceV6.ToString(), l.Epoch, l.Draining)).ToArray();
        var peers = table.Peers.Select(p => new NodeTablePeer(p.Site, p.Node, p.TunnelEndpoint, p.Rtt?.TotalMilliseconds)).ToArray();
        return new NodeTable(table.Site, table.Node, table.Version, publishedAtUtc, services, local, peers, counters);
    }

    private static NodeTableInstance Target(InstanceTarget i, IReadOnlyList<LocalInstanceEntry> locals)
    {
        // A running placement here wins over a draining one of the same instance.
        var here = locals.Where(l => l.InstanceV4 == i.InstanceV4).OrderBy(l => l.Draining).FirstOrDefault();
        var (via, endpoint) = InstanceRouting.Via(i, here is not null) switch
        {
            InstanceVia.Local => ("local", (string?)null),
            InstanceVia.Tunnel => ("tunnel", i.TunnelEndpoint),
            _ => ("none", null),
        };
        return new NodeTableInstance(i.InstanceId, i.InstanceV4.ToString(), i.InstanceV6.ToString(), i.Status.ToString(), i.Epoch, i.Node,
            via, here?.NamespaceV4.ToString(), here?.NamespaceV6.ToString(), endpoint);
    }
}
