using System.Collections.Immutable;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.WorkerNode.Ports;

namespace Oakestra.Actors.WorkerNode.Actors;

/// <summary>Pure: route table + local placements + peers + RTTs + coordinates → the data plane's table.</summary>
public static class TableCompiler
{
    public static DataPlaneTable Compile(
        long version,
        WorkerSettings self,
        double latitude,
        double longitude,
        ImmutableDictionary<string, ServiceRoutes> services,
        IReadOnlyList<LocalInstanceEntry> local,
        IReadOnlyList<SitePeer> sitePeers,
        IReadOnlyDictionary<string, TimeSpan> rtts)
    {
        var coordinates = sitePeers.ToDictionary(p => (p.Site, p.Node), p => (p.Latitude, p.Longitude));
        coordinates[(self.Site, self.Node)] = (latitude, longitude);

        var peers = new Dictionary<string, PeerEntry>(StringComparer.Ordinal);
        foreach (var p in sitePeers.Where(p => !(p.Site == self.Site && p.Node == self.Node)))
            peers[p.TunnelEndpoint] = new PeerEntry(p.Site, p.Node, p.TunnelEndpoint, p.Latitude, p.Longitude, Rtt(rtts, p.TunnelEndpoint),
                p.TunnelPublicKey, p.TunnelSalt);

        var entries = new List<ServiceEntry>(services.Count);
        foreach (var routes in services.Values.OrderBy(s => s.ServiceId, StringComparer.Ordinal))
        {
            var targets = new List<InstanceTarget>(routes.Instances.Count);
            foreach (var i in routes.Instances)
            {
                var o = i.Owner;
                if (o is null)
                {
                    targets.Add(new InstanceTarget(i.InstanceId, i.InstanceV4, i.InstanceV6, i.Status, null, null, 0, false, null, null, null, null));
                    continue;
                }
                var isLocal = o.Cluster == self.Site && o.Node == self.Node;
                var at = coordinates.TryGetValue((o.Cluster, o.Node), out var c) ? c : ((double, double)?)null;
                if (!isLocal && !peers.ContainsKey(o.TunnelEndpoint))
                    // An owner in another site: reachable through the tunnel like a site peer.
                    peers[o.TunnelEndpoint] = new PeerEntry(o.Cluster, o.Node, o.TunnelEndpoint, at?.Item1, at?.Item2, Rtt(rtts, o.TunnelEndpoint),
                        o.TunnelPublicKey, o.TunnelSalt);
                targets.Add(new InstanceTarget(i.InstanceId, i.InstanceV4, i.InstanceV6, i.Status, o.Cluster, o.Node, o.Epoch, isLocal,
                    isLocal ? null : o.TunnelEndpoint, at?.Item1, at?.Item2, isLocal ? TimeSpan.Zero : Rtt(rtts, o.TunnelEndpoint)));
            }
            entries.Add(new ServiceEntry(routes.ServiceId, routes.Version, routes.Addresses, targets));
        }

        return new DataPlaneTable(version, self.Site, self.Node, latitude, longitude, local, entries,
            peers.Values.OrderBy(p => p.TunnelEndpoint, StringComparer.Ordinal).ToArray());
    }

    private static TimeSpan? Rtt(IReadOnlyDictionary<string, TimeSpan> rtts, string endpoint) =>
        rtts.TryGetValue(endpoint, out var rtt) ? rtt : null;
}
