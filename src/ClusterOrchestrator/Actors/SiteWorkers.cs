using Akka.Actor;
using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;

namespace Oakestra.Actors.ClusterOrchestrator.Actors;

/// <summary>One worker of the site as the orchestrator knows it.</summary>
public sealed record SiteWorker(
    string Node, IActorRef Ref, string TunnelEndpoint, double Latitude, double Longitude, WorkerState State,
    Ipv4Prefix? SubnetV4 = null, Ipv6Prefix? SubnetV6 = null)
{
    /// <summary>Placeable: registered, subnets assigned, member up.</summary>
    public bool Placeable => State == WorkerState.Up && SubnetV4 is not null;

    /// <summary>When the worker left the site's cluster (its placements wait a grace for it to come back).</summary>
    public DateTime? LostAtUtc { get; init; }

    /// <summary>The worker's tunnel public key and the salt of its current start (base64), as it registered them.</summary>
    public string? TunnelPublicKey { get; init; }
    public string? TunnelSalt { get; init; }
}

/// <summary>
/// One placement (instance, epoch) in the site: where it was sent, what its worker last said of it.
/// <see cref="Launch"/> is kept while the placement lives so a lost StartInstance can be sent again.
/// </summary>
public sealed record SitePlacement(
    string InstanceId, long Epoch, string Node, InstanceLaunch? Launch, InstanceStatus Status, Placement? Placement,
    bool Draining, bool Stopping, DateTime SentAtUtc)
{
    /// <summary>The stop sent to its worker (kept to send it again should the worker not act on it).</summary>
    public StopInstance? Stop { get; init; }
}

/// <summary>What a worker's digest calls for: placements to start again, stops to send again.</summary>
public sealed record DigestRepairs(IReadOnlyList<SitePlacement> Restart, IReadOnlyList<StopInstance> Restop);

/// <summary>
/// The site's workers and which placement (instance, epoch) runs where. Pure bookkeeping; the actor
/// decides what to send.
/// </summary>
public sealed class SiteWorkers
{
    private readonly Dictionary<string, SiteWorker> _byNode = new();
    private readonly Dictionary<(string Instance, long Epoch), SitePlacement> _placements = new();

    public IEnumerable<SiteWorker> All => _byNode.Values;

    public IEnumerable<SitePlacement> Placements => _placements.Values;

    public SiteWorker? Get(string node) => _byNode.GetValueOrDefault(node);

    public SiteWorker? ByRef(IActorRef worker) => _byNode.Values.FirstOrDefault(w => w.Ref.Equals(worker));

    public void Put(SiteWorker worker) => _byNode[worker.Node] = worker;

    public SitePlacement? Placement(string instanceId, long epoch) => _placements.GetValueOrDefault((instanceId, epoch));

    public void Put(SitePlacement placement) => _placements[(placement.InstanceId, placement.Epoch)] = placement;

    public void Untrack(string instanceId, long epoch) => _placements.Remove((instanceId, epoch));

    public string? NodeOf(string instanceId, long epoch) => _placements.GetValueOrDefault((instanceId, epoch))?.Node;

    public IReadOnlyList<SitePlacement> PlacementsOn(string node) => _placements.Values.Where(p => p.Node == node).ToArray();

    public int Load(string node) => _placements.Values.Count(p => p.Node == node && !p.Stopping);

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

    /// <summary>
    /// A worker's digest against what the site believes runs there: placements the worker runs are taken as they
    /// are (also ones the site never sent: a restarted orchestrator adopts them, the root decides); placements
    /// sent to it at least <paramref name="settle"/> ago that it does not run must be started again (a lost
    /// StartInstance, or an instance that ended while nobody watched), unless they are being stopped, in which
    /// case they are done; a stop sent at least <paramref name="settle"/> ago that the worker neither carried out
    /// nor drains for is sent again.
    /// </summary>
    public DigestRepairs Reconcile(WorkerDigest digest, DateTime nowUtc, TimeSpan settle)
    {
        var reported = digest.Placements.ToDictionary(p => (p.InstanceId, p.Epoch));
        var restop = new List<StopInstance>();
        foreach (var p in digest.Placements)
        {
            var known = Placement(p.InstanceId, p.Epoch);
            Put(known is null
                ? new SitePlacement(p.InstanceId, p.Epoch, digest.Node, null, p.Status, p.Placement, p.Draining, false, nowUtc)
                : known with { Node = digest.Node, Status = p.Status, Placement = p.Placement ?? known.Placement, Draining = p.Draining });
            if (known is { Stopping: true, Stop: { } stop } && !p.Draining && nowUtc - known.SentAtUtc >= settle)
            {
                restop.Add(stop);
                Put(Placement(p.InstanceId, p.Epoch)! with { SentAtUtc = nowUtc });
            }
        }
        var restart = new List<SitePlacement>();
        foreach (var p in PlacementsOn(digest.Node))
        {
            if (reported.ContainsKey((p.InstanceId, p.Epoch)) || nowUtc - p.SentAtUtc < settle) continue;
            if (p.Stopping || p.Launch is null) { Untrack(p.InstanceId, p.Epoch); continue; }
            var again = p with { Status = InstanceStatus.Starting, SentAtUtc = nowUtc };
            Put(again);
            restart.Add(again);
        }
        return new DigestRepairs(restart, restop);
    }
}
