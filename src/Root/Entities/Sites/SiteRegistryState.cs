using System.Collections.Immutable;
using Oakestra.Actors.Contracts.Messaging;
using Oakestra.Actors.Contracts.Serialization;
using Oakestra.Actors.Contracts.Protocol;

namespace Oakestra.Actors.Root.Entities.Sites;

public sealed record SiteAssignment(string Site, string? Node);

/// <summary>The outcome of choosing a site for a placement: a site, or why none fits.</summary>
public sealed record SiteChoice(string? Site, string? Node, string? Reason);

/// <summary>
/// Every edge site, its workers and which instance went where. Pure; the placement choice is here too so
/// it can be tested without actors: a requested node picks that node's site, otherwise the least-loaded
/// site with an Up worker.
/// </summary>
[PersistedAs("root.sites.state")]
public sealed record SiteRegistryState(
    ImmutableDictionary<string, string> Sites,
    ImmutableDictionary<string, NodeRecord> Nodes,
    ImmutableHashSet<string> Waiting,
    ImmutableDictionary<string, SiteAssignment> Assigned) : IPersistedMessage
{
    public static readonly SiteRegistryState Empty = new(
        ImmutableDictionary<string, string>.Empty, ImmutableDictionary<string, NodeRecord>.Empty,
        ImmutableHashSet<string>.Empty, ImmutableDictionary<string, SiteAssignment>.Empty);

    public static string KeyOf(string site, string node) => $"{site}/{node}";

    public SiteRegistryState Apply(ISiteRegistryEvent e) => e switch
    {
        SiteRecorded s => this with { Sites = Sites.SetItem(s.Site, s.OrchestratorPath) },
        NodeRecorded n => this with { Nodes = Nodes.SetItem(n.Node.Key, n.Node) },
        // Down since the first Down (a repeated one does not restart the grace); anything else ends it.
        NodeStateRecorded n when Nodes.TryGetValue(KeyOf(n.Site, n.Node), out var rec) =>
            this with { Nodes = Nodes.SetItem(rec.Key, rec with
            {
                State = n.State,
                DownSinceUtc = n.State == WorkerState.Down ? rec.DownSinceUtc ?? n.AtUtc : null,
            }) },
        NodeDecommissioned d => this with { Nodes = Nodes.Remove(KeyOf(d.Site, d.Node)) },
        NodeLocationRecorded n when Nodes.TryGetValue(KeyOf(n.Site, n.Node), out var rec) =>
            this with { Nodes = Nodes.SetItem(rec.Key, rec with { Latitude = n.Latitude, Longitude = n.Longitude }) },
        NodeCordoned c when Nodes.TryGetValue(KeyOf(c.Site, c.Node), out var rec) =>
            this with { Nodes = Nodes.SetItem(rec.Key, rec with { Cordoned = c.Cordoned }) },
        NodeStateRecorded or NodeLocationRecorded or NodeCordoned => this,
        InstanceWaiting w => this with { Waiting = Waiting.Add(w.InstanceId), Assigned = Assigned.Remove(w.InstanceId) },
        InstanceAssigned a => this with { Waiting = Waiting.Remove(a.InstanceId), Assigned = Assigned.SetItem(a.InstanceId, new SiteAssignment(a.Site, a.Node)) },
        InstanceUnassigned u => this with { Waiting = Waiting.Remove(u.InstanceId), Assigned = Assigned.Remove(u.InstanceId) },
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name),
    };

    public IEnumerable<NodeRecord> NodesNamed(string node) => Nodes.Values.Where(n => n.Node == node);

    /// <summary>
    /// Nodes Down for at least <paramref name="grace"/> at <paramref name="nowUtc"/>: to be decommissioned (their subnets
    /// released). A Down without a time (an event from before decommissioning) counts from <paramref name="recoveredUtc"/>.
    /// Zero grace: never. Wall clock, unlike the pools' quarantine: a grace of hours to days makes a clock step
    /// negligible, and a node that does come back after its decommissioning simply gets subnets again.
    /// </summary>
    public IReadOnlyList<NodeRecord> Decommissionable(DateTime nowUtc, TimeSpan grace, DateTime recoveredUtc) =>
        grace <= TimeSpan.Zero
            ? []
            : Nodes.Values.Where(n => n.State == WorkerState.Down && nowUtc - (n.DownSinceUtc ?? recoveredUtc) >= grace)
                .OrderBy(n => n.Key, StringComparer.Ordinal).ToArray();

    public int InstancesOn(string site, string node) => Assigned.Values.Count(a => a.Site == site && a.Node == node);

    /// <summary>
    /// A requested node picks that node's site; otherwise the least-loaded site with an Up worker. Sites in
    /// <paramref name="unavailable"/> (out of reach, or to be avoided) are never chosen.
    /// </summary>
    public SiteChoice Choose(string? node, string? cluster, IReadOnlySet<string>? unavailable = null)
    {
        bool Usable(string site) => Sites.ContainsKey(site) && unavailable?.Contains(site) != true;
        if (node is not null)
        {
            var named = NodesNamed(node).Where(n => cluster is null || n.Site == cluster).ToList();
            if (named.Count > 0 && named.All(n => n.Cordoned))
                return new SiteChoice(null, null, $"node {node} is cordoned (oak uncordon {node})");
            var candidates = named.Where(n => Usable(n.Site) && !n.Cordoned)
                .OrderBy(n => n.State == WorkerState.Up ? 0 : 1).ThenBy(n => n.Site, StringComparer.Ordinal).ToList();
            if (candidates.Count > 0) return new SiteChoice(candidates[0].Site, node, null);
            return named.Count > 0 && named.Any(n => Sites.ContainsKey(n.Site))
                ? new SiteChoice(null, null, $"the site of node {node} is out of reach")
                : new SiteChoice(null, null, $"node {node} is not registered{(cluster is null ? "" : $" in site {cluster}")}");
        }

        var sites = Sites.Keys
            .Where(s => cluster is null || s == cluster)
            .Where(Usable)
            .Where(s => Nodes.Values.Any(n => n.Site == s && n.State == WorkerState.Up && !n.Cordoned))
            .OrderBy(s => Assigned.Values.Count(a => a.Site == s)).ThenBy(s => s, StringComparer.Ordinal)
            .ToList();
        if (sites.Count == 0)
            return new SiteChoice(null, null, cluster is null ? "no reachable site has a worker up" : $"site {cluster} has no worker up or is out of reach");
        // The site's orchestrator picks the node and knows nothing of cordons: name one when the site has a cordoned node.
        var chosen = sites[0];
        return Nodes.Values.Any(n => n.Site == chosen && n.Cordoned)
            ? new SiteChoice(chosen, LeastLoadedNode(chosen, null, new Dictionary<string, int>())!.Node, null)
            : new SiteChoice(chosen, null, null);
    }

    /// <summary>
    /// One of <paramref name="nodes"/> (a direct constraint naming several): an Up, uncordoned node of a usable site
    /// with the fewest instances (ties by name), so the orchestrator is handed one node as for a single name and its
    /// check that a report comes from the node the epoch was handed to stays exact. A node known but not Up is taken
    /// only when no listed node is Up (its orchestrator refuses it, and the instance tries the others).
    /// </summary>
    public SiteChoice ChooseAmong(IReadOnlyList<string> nodes, string? cluster, IReadOnlySet<string>? unavailable = null)
    {
        var listed = nodes.SelectMany(NodesNamed).Where(n => cluster is null || n.Site == cluster).ToList();
        var names = string.Join(", ", nodes);
        if (listed.Count > 0 && listed.All(n => n.Cordoned))
            return new SiteChoice(null, null, $"nodes {names} are all cordoned");
        var candidates = listed.Where(n => Sites.ContainsKey(n.Site) && unavailable?.Contains(n.Site) != true && !n.Cordoned)
            .OrderBy(n => n.State == WorkerState.Up ? 0 : 1).ThenBy(n => InstancesOn(n.Site, n.Node))
            .ThenBy(n => n.Node, StringComparer.Ordinal).ThenBy(n => n.Site, StringComparer.Ordinal).ToList();
        if (candidates.Count > 0) return new SiteChoice(candidates[0].Site, candidates[0].Node, null);
        return listed.Count > 0
            ? new SiteChoice(null, null, $"the sites of nodes {names} are out of reach")
            : new SiteChoice(null, null, $"none of nodes {names} is registered{(cluster is null ? "" : $" in site {cluster}")}");
    }

    /// <summary>An Up, uncordoned node of <paramref name="site"/> other than <paramref name="except"/> with the fewest
    /// instances, counting <paramref name="planned"/> (moves already planned, by node key) as placed.</summary>
    public NodeRecord? LeastLoadedNode(string site, string? except, IReadOnlyDictionary<string, int> planned) =>
        Nodes.Values.Where(n => n.Site == site && n.Node != except && n.State == WorkerState.Up && !n.Cordoned)
            .OrderBy(n => InstancesOn(n.Site, n.Node) + planned.GetValueOrDefault(n.Key)).ThenBy(n => n.Node, StringComparer.Ordinal)
            .FirstOrDefault();

    /// <summary>
    /// Where each instance on a node named <paramref name="node"/> goes when it is drained: another node of its own
    /// site first (the closest move), else of another usable site; load spreads over the plan itself.
    /// </summary>
    public IReadOnlyList<DrainMove> PlanDrain(string node, IReadOnlySet<string> unavailable)
    {
        var planned = new Dictionary<string, int>();
        var moves = new List<DrainMove>();
        foreach (var (id, a) in Assigned.Where(a => a.Value.Node == node).OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            var target = LeastLoadedNode(a.Site, node, planned)
                ?? Sites.Keys.Where(s => s != a.Site && !unavailable.Contains(s)).OrderBy(s => s, StringComparer.Ordinal)
                    .Select(s => LeastLoadedNode(s, node, planned)).FirstOrDefault(n => n is not null);
            if (target is not null) planned[target.Key] = planned.GetValueOrDefault(target.Key) + 1;
            moves.Add(new DrainMove(id, target?.Node, target is null ? $"no other node is up and uncordoned for {id}" : null));
        }
        return moves;
    }
}

/// <summary>One instance of a drained node: its target node, or why it has none.</summary>
public sealed record DrainMove(string InstanceId, string? TargetNode, string? Reason);
