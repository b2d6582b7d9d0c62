using Oakestra.Actors.WorkerNode.Ports;

namespace Oakestra.Actors.WorkerNode.Actors;

/// <summary>An entry of the table the data plane was not given, and why (shown by `oak table`).</summary>
public sealed record RefusedEntry(string Entry, string Reason);

/// <summary>
/// Takes out of a table, before it goes to the data plane, each entry the packet path would refuse, so one bad
/// entry costs that entry and not the whole table: the forwarding adapter and the route snapshot refuse a table
/// with a tunnel endpoint that is not address:port or with an Instance IP, Namespace IP or service listed twice, and a
/// refused table left the worker forwarding by its last good one, silently. Pure: the rules are tested on their own.
/// </summary>
public static class TableAudit
{
    /// <param name="sendable">Whether the data plane can send to a tunnel endpoint (<see cref="IDataPlane.AcceptsTunnelEndpoint"/>).</param>
    public static (DataPlaneTable Kept, IReadOnlyList<RefusedEntry> Refused) Check(DataPlaneTable table, Func<string, bool> sendable)
    {
        var refused = new List<RefusedEntry>();

        var peers = new List<PeerEntry>();
        foreach (var p in table.Peers)
        {
            if (sendable(p.TunnelEndpoint)) peers.Add(p);
            else refused.Add(new($"peer {p.Site}/{p.Node}", $"tunnel endpoint '{p.TunnelEndpoint}' is not address:port"));
        }

        var namespaces = new Dictionary<string, string>(StringComparer.Ordinal);
        var locals = new List<LocalInstanceEntry>();
        foreach (var l in table.LocalInstances)
        {
            var clash = new[] { l.NamespaceV4.ToString(), l.NamespaceV6.ToString() }.FirstOrDefault(namespaces.ContainsKey);
            if (clash is not null)
            {
                refused.Add(new($"local instance {l.InstanceId} (epoch {l.Epoch})", $"Namespace IP {clash} is also {namespaces[clash]}'s"));
                continue;
            }
            namespaces[l.NamespaceV4.ToString()] = l.InstanceId;
            namespaces[l.NamespaceV6.ToString()] = l.InstanceId;
            locals.Add(l);
        }
        var localHere = locals.Select(l => l.InstanceV4).ToHashSet();

        var serviceIds = new HashSet<string>(StringComparer.Ordinal);
        var instanceIps = new Dictionary<string, string>(StringComparer.Ordinal);
        var services = new List<ServiceEntry>();
        foreach (var s in table.Services)
        {
            if (!serviceIds.Add(s.ServiceId))
            {
                refused.Add(new($"service {s.ServiceId} (version {s.Version})", "listed twice; the first is kept"));
                continue;
            }
            var instances = new List<InstanceTarget>();
            foreach (var i in s.Instances)
            {
                var via = InstanceRouting.Via(i, localHere.Contains(i.InstanceV4));
                if (via == InstanceVia.Tunnel && !sendable(i.TunnelEndpoint!))
                {
                    refused.Add(new($"instance {i.InstanceId}", $"its owner {i.Node}'s tunnel endpoint '{i.TunnelEndpoint}' is not address:port"));
                    continue;
                }
                if (via != InstanceVia.None)
                {
                    var clash = new[] { i.InstanceV4.ToString(), i.InstanceV6.ToString() }.FirstOrDefault(instanceIps.ContainsKey);
                    if (clash is not null)
                    {
                        refused.Add(new($"instance {i.InstanceId}", $"Instance IP {clash} is also {instanceIps[clash]}'s"));
                        continue;
                    }
                    instanceIps[i.InstanceV4.ToString()] = i.InstanceId;
                    instanceIps[i.InstanceV6.ToString()] = i.InstanceId;
                }
                instances.Add(i);
            }
            services.Add(instances.Count == s.Instances.Count ? s : s with { Instances = instances });
        }

        if (refused.Count == 0) return (table, refused);
        // A local placement whose instance was refused would name an Instance IP no service routes: it goes too.
        var routed = services.SelectMany(s => s.Instances).Select(i => i.InstanceId).ToHashSet(StringComparer.Ordinal);
        var listed = table.Services.SelectMany(s => s.Instances).Select(i => i.InstanceId).ToHashSet(StringComparer.Ordinal);
        var keptLocals = locals.Where(l => routed.Contains(l.InstanceId) || !listed.Contains(l.InstanceId)).ToList();
        foreach (var gone in locals.Except(keptLocals)) refused.Add(new($"local instance {gone.InstanceId} (epoch {gone.Epoch})", "its route was refused"));
        return (table with { Peers = peers, LocalInstances = keptLocals, Services = services }, refused);
    }
}
