using Oakestra.Actors.Contracts.Hosting;
using Akka.Actor;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;

namespace Oakestra.Actors.ClusterOrchestrator.Actors;

/// <summary>
/// Who may send the orchestrator what, decided from the worker registry alone (pure: no actor, no I/O). A worker
/// speaks only for itself: it registers its own ActorSystem's agent, reports only epochs handed to it with its own
/// node and tunnel endpoint as placement, and never sends what only the root sends. Each rule answers null (allowed)
/// or why it refuses.
/// </summary>
public static class SiteSenders
{
    /// <summary>Contract messages only the root tier (or the orchestrator's own actors, such as its root link) sends here.</summary>
    public static readonly IReadOnlySet<Type> FromRootOnly = new HashSet<Type>
    {
        typeof(PlaceInstance), typeof(StopInstance), typeof(StaleEpoch), typeof(SiteRegistered),
        typeof(WorkerSubnetsAssigned), typeof(WorkerRegistrationRefused), typeof(UpdateWorkerLocation),
        typeof(ServiceDelta), typeof(ServiceRoutesSnapshot), typeof(RouteFound), typeof(RouteNotFound),
        // A worker reads no other worker's instance output through its orchestrator.
        typeof(ReadInstanceLog),
    };

    /// <summary>A root-only message from the ActorSystem of one of the site's workers (other than the orchestrator's own).</summary>
    public static string? RefuseFromWorker(SiteWorkers workers, Address own, object message, IActorRef sender)
    {
        if (!FromRootOnly.Contains(message.GetType())) return null;
        var from = sender.Path.Address;
        if (from == own) return null;
        var worker = workers.All.FirstOrDefault(w => w.Ref.Path.Address == from);
        return worker is null ? null : $"worker {worker.Node} may not send what only the root sends";
    }

    public static string? RefuseRegistration(SiteWorkers workers, RegisterWorker r, IActorRef sender, RemotingIdentities identities)
    {
        if (sender.Path.Address != r.Worker.Path.Address)
            return $"{sender.Path.Address} registers an agent of another ActorSystem ({r.Worker.Path.Address})";
        if (identities.Refusal(sender.Path.Address, OakestraRoles.Worker, r.Node) is { } notIts)
            return $"{notIts}: it may not register node {r.Node}";
        // Another process of the node restarts at the node's address; a node moving elsewhere waits until its old
        // process is given up (Unreachable, then Down after the grace), so no peer can take over a live node's name.
        if (workers.Get(r.Node) is { State: WorkerState.Up } known && known.Ref.Path.Address != r.Worker.Path.Address)
            return $"node {r.Node} is registered from {known.Ref.Path.Address}, which is still up";
        return null;
    }

    public static string? RefuseReport(SiteWorkers workers, string site, InstanceStatusReport r, IActorRef sender)
    {
        var w = workers.ByRef(sender);
        if (w is null) return "the sender is not a registered worker of this site";
        if (workers.Placement(r.InstanceId, r.Epoch) is { } known && known.Node != w.Node)
            return $"epoch {r.Epoch} of {r.InstanceId} was handed to {known.Node}, not to {w.Node}";
        if (r.Placement is { } p && (p.Cluster != site || p.Node != w.Node || p.TunnelEndpoint != w.TunnelEndpoint))
            return $"the placement {p.Cluster}/{p.Node} at {p.TunnelEndpoint} is not {w.Node}'s own ({site}/{w.Node} at {w.TunnelEndpoint})";
        return null;
    }

    /// <summary>A worker's digest names itself: its node's registered agent, sent from that agent's ActorSystem.</summary>
    public static string? RefuseDigest(SiteWorkers workers, WorkerDigest d, IActorRef sender)
    {
        var w = workers.Get(d.Node);
        if (w is null || !w.Ref.Equals(d.Worker)) return null; // an older incarnation's last words: ignored, not hostile
        return sender.Path.Address == w.Ref.Path.Address ? null : $"{sender.Path.Address} sends the digest of {d.Node}";
    }
}
