using Akka.Actor;
using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Protocol;

namespace Oakestra.Actors.ClusterOrchestrator.Actors;

/// <summary>One worker of the site as the orchestrator knows it.</summary>
public sealed record SiteWorker(
    string Node, IActorRef Ref, string TunnelEndpoint, double Latitude, double Longitude, WorkerState State,
    Ipv4Prefix? SubnetV4 = null, Ipv6Prefix? SubnetV6 = null)
{
    /// <summary>Placeable: registered, subnets assigned, member up.</summary>
    public bool Placeable => State == WorkerState.Up && SubnetV4 is not null;
}

/// <summary>
/// The site's workers and which placement (instance, epoch) runs where. Pure bookkeeping; the actor
/// decides what to send.
/// </summary>
public sealed class SiteWorkers
{
    private readonly Dictionary<string, SiteWorker> _byNode = new();
    private readonly Dictionary<(string Instance, long Epoch), string> _placements = new();

    public IEnumerable<SiteWorker> All => _byNode.Values;

    public SiteWorker? Get(string node) => _byNode.GetValueOrDefault(node);

    public SiteWorker? ByRef(IActorRef worker) => _byNode.Values.FirstOrDefault(w => w.Ref.Equals(worker));

    public void Put(SiteWorker worker) => _byNode[worker.Node] = worker;

    public void Track(string instanceId, long epoch, string node) => _placements[(instanceId, epoch)] = node;

    public void Untrack(string instanceId, long epoch) => _placements.Remove((instanceId, epoch));

    public string? NodeOf(string instanceId, long epoch) => _placements.GetValueOrDefault((instanceId, epoch));

    public IReadOnlyList<(string Instance, long Epoch)> PlacementsOn(string node) =>
        _placements.Where(p => p.Value == node).Select(p => p.Key).ToArray();

    public int Load(string node) => _placements.Count(p => p.Value == node);

    /// <summary>The named node when it can take the instance; otherwise the least-loaded placeable worker (ties by name).</summary>
    public (SiteWorker? Worker, string? Refusal) Choose(string? node)
    {
        if (node is not null)
        {
            var named = Get(node);
            if (named is null) return (null, $"node '{node}' is not a worker of this site");
            return named.Placeable ? (named, null) : (null, $"node '{node}' is {named.State}{(named.SubnetV4 is null ? " without subnets" : "")}");
        }
        var best = _byNode.Values.Where(w => w.Placeable)
            .OrderBy(w => Load(w.Node)).ThenBy(w => w.Node, StringComparer.Ordinal).FirstOrDefault();
        return best is null ? (null, "no worker of this site is up") : (best, null);
    }
}
