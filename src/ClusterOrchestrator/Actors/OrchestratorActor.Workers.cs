using Oakestra.Actors.Contracts.Hosting;
using Akka.Event;
using Akka.Actor;
using Akka.Cluster;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;

namespace Oakestra.Actors.ClusterOrchestrator.Actors;

// The worker registry: registration and subnets, locations, reachability, loss with a grace, peers, `oak table`.
public sealed partial class OrchestratorActor
{
    private readonly SiteWorkers _workers = new();
    private readonly HashSet<string> _subnetsPending = new();
    private readonly PeerDirectory _peers;

    private void WorkerHandlers()
    {
        Receive<RegisterWorker>(OnRegisterWorker);
        Receive<WorkerSubnetsAssigned>(OnSubnetsAssigned);
        Receive<WorkerRegistrationRefused>(OnRegistrationRefused);
        Receive<UpdateWorkerLocation>(OnUpdateLocation);
        Receive<Terminated>(t => OnWorkerLost(t.ActorRef));
        Receive<WorkerGraceElapsed>(OnWorkerGraceElapsed);
        Receive<ClusterEvent.UnreachableMember>(m => OnReachability(m.Member.Address, WorkerState.Unreachable));
        Receive<ClusterEvent.ReachableMember>(m => OnReachability(m.Member.Address, WorkerState.Up));
        Receive<QueryNodeTable>(OnQueryTable);
        Receive<ReadInstanceLog>(OnReadLog);
        Receive<FlushPeers>(_ => OnPeersWindowEnd());
        Receive<RequestSitePeers>(OnRequestSitePeers);
        TunnelEndpointHandlers();
    }

    private void OnRegisterWorker(RegisterWorker msg)
    {
        if (msg.Site != Site)
        {
            msg.Worker.Tell(new WorkerRegistrationRefused(msg.Site, msg.Node, $"this is the orchestrator of site '{Site}'"));
            return;
        }
        if (SiteSenders.RefuseRegistration(_workers, msg, Sender, RemotingIdentities.Seen) is { } refusal)
        {
            Refused(refusal, msg);
            Sender.Tell(new WorkerRegistrationRefused(msg.Site, msg.Node, refusal));
            return;
        }
        if (TunnelEndpointOf(msg) is not { } tunnelEndpoint) return;
        var known = _workers.Get(msg.Node);
        if (known is not null && !known.Ref.Equals(msg.Worker))
        {
            // A new process or ActorSystem of the node: its placements stay tracked; the worker adopts what still
            // runs and its digest (sent right after registration) tells which; what it lacks is started again.
            Context.Unwatch(known.Ref);
            _log.Info("worker {0} of site {1} is back as a new incarnation", msg.Node, Site);
        }
        // A new incarnation holds no peers of ours: it gets the snapshot.
        if (known is null || !known.Ref.Equals(msg.Worker)) _peers.Forget(msg.Node);
        Context.Watch(msg.Worker);
        var worker = new SiteWorker(msg.Node, msg.Worker, tunnelEndpoint, msg.Latitude, msg.Longitude, WorkerState.Up,
            known?.SubnetV4 ?? msg.SubnetV4, known?.SubnetV6 ?? msg.SubnetV6)
        {
            // A restarted worker registers a new salt: the next peer flush gives its peers the new keys.
            TunnelPublicKey = msg.TunnelPublicKey,
            TunnelSalt = msg.TunnelSalt,
        };
        _workers.Put(worker);
        Timers.Cancel(("grace", msg.Node));
        // Answer at once from what we (or the worker) know; the root's answer (the same subnets, keyed by
        // site/node) follows when the root tier is reachable.
        if (worker.SubnetV4 is { } v4 && worker.SubnetV6 is { } v6)
        {
            msg.Worker.Tell(new WorkerSubnetsAssigned(Site, msg.Node, v4, v6, tunnelEndpoint));
            PeersChanged();
        }
        if (known is null || known.State != WorkerState.Up) _root.Tell(new WorkerStateChanged(Site, msg.Node, WorkerState.Up));
        _subnetsPending.Add(msg.Node);
        AskSubnets(msg.Node);
    }

    private void AskSubnets(string node)
    {
        var w = _workers.Get(node);
        if (w is null) { _subnetsPending.Remove(node); return; }
        _root.Tell(new AssignWorkerSubnets(Site, node, w.TunnelEndpoint, w.Latitude, w.Longitude));
    }

    private void OnSubnetsAssigned(WorkerSubnetsAssigned msg)
    {
        _subnetsPending.Remove(msg.Node);
        var w = _workers.Get(msg.Node);
        if (w is null || w.State == WorkerState.Down) return;
        _workers.Put(w with { SubnetV4 = msg.SubnetV4, SubnetV6 = msg.SubnetV6 });
        // The root does not know the address a name resolved to; the worker learns it with its subnets.
        w.Ref.Tell(msg with { TunnelEndpoint = w.TunnelEndpoint });
        _root.Tell(new WorkerStateChanged(Site, msg.Node, w.State));
        PeersChanged(); // also unchanged: a worker placeable from now on gets the snapshot
    }

    private void OnRegistrationRefused(WorkerRegistrationRefused msg)
    {
        _subnetsPending.Remove(msg.Node);
        _workers.Get(msg.Node)?.Ref.Tell(msg);
    }

    private void OnUpdateLocation(UpdateWorkerLocation msg)
    {
        var w = _workers.Get(msg.Node);
        if (w is null) return;
        _workers.Put(w with { Latitude = msg.Latitude, Longitude = msg.Longitude });
        w.Ref.Tell(msg);
        PeersChanged();
    }

    private void OnReachability(Address address, WorkerState state)
    {
        foreach (var w in _workers.All.Where(w => w.Ref.Path.Address.Equals(address) && w.State != WorkerState.Down).ToArray())
        {
            if (w.State == state) continue;
            _workers.Put(w with { State = state });
            _root.Tell(new WorkerStateChanged(Site, w.Node, state));
            if (state == WorkerState.Up) PeersChanged();
        }
    }

    /// <summary>
    /// A worker left the site's cluster or was downed (DeathWatch fires for both). Its instances most likely
    /// still run (they do not depend on the worker process): the placements wait <see cref="OrchestratorSettings.WorkerGrace"/>
    /// for the node to come back. No new placement goes there meanwhile.
    /// </summary>
    private void OnWorkerLost(IActorRef worker)
    {
        var w = _workers.ByRef(worker);
        if (w is null || w.State == WorkerState.Down) return;
        _log.Warning("worker {0} of site {1} left the site's cluster; its placements wait {2:0} s for it", w.Node, Site, _settings.WorkerGrace.TotalSeconds);
        _workers.Put(w with { State = WorkerState.Down, LostAtUtc = DateTime.UtcNow });
        _subnetsPending.Remove(w.Node);
        _root.Tell(new WorkerStateChanged(Site, w.Node, WorkerState.Unreachable));
        Timers.StartSingleTimer(("grace", w.Node), new WorkerGraceElapsed(w.Node, worker), _settings.WorkerGrace);
        PeersChanged();
    }

    /// <summary>
    /// The node did not come back: its placements are reported Failed with their epochs. The root's Instance
    /// entity owns epochs, so it places them again (same Instance IPs, next epoch); the orchestrator never
    /// invents an epoch. Should the node return later, the root finds its epochs stale and stops them.
    /// </summary>
    private void OnWorkerGraceElapsed(WorkerGraceElapsed elapsed)
    {
        var w = _workers.Get(elapsed.Node);
        if (w is null || w.State != WorkerState.Down || !w.Ref.Equals(elapsed.Worker)) return;
        _log.Warning("worker {0} of site {1} did not come back within {2:0} s: its placements are lost", w.Node, Site, _settings.WorkerGrace.TotalSeconds);
        _root.Tell(new WorkerStateChanged(Site, w.Node, WorkerState.Down));
        foreach (var p in _workers.PlacementsOn(w.Node))
        {
            _workers.Untrack(p.InstanceId, p.Epoch);
            if (!p.Stopping) _root.Tell(new InstanceStatusReport(p.InstanceId, p.Epoch, InstanceStatus.Failed, null, $"worker {w.Node} lost"));
        }
        foreach (var service in _interest.Keys.ToArray()) RemoveInterest(service, w.Node);
    }

    private bool _peersPending;

    /// <summary>
    /// The peer set may have changed (or a worker needs it): published at once when nothing was published during the
    /// last <see cref="OrchestratorSettings.PeerFlushDelay"/>, else at its end, so that a burst of registrations goes
    /// out as one delta per worker and flush (the set was sent whole to every worker at every registration before:
    /// 1,000 workers took the orchestrator to 9 GB of queued messages).
    /// </summary>
    private void PeersChanged()
    {
        if (Timers.IsTimerActive("peers")) { _peersPending = true; return; }
        OnFlushPeers();
    }

    /// <summary>The end of a quiet window: what changed meanwhile goes out (and starts the next window).</summary>
    private void OnPeersWindowEnd()
    {
        if (!_peersPending) return;
        OnFlushPeers();
    }

    /// <summary>
    /// Peers: every worker with subnets that is not lost (an unreachable one stays a peer: its tunnel may well work
    /// while the site's cluster misses its heartbeats); sent to the placeable ones (a worker reachable again gets
    /// what it missed with the flush its reachability starts).
    /// </summary>
    private void OnFlushPeers()
    {
        var peers = _workers.All.Where(w => w.State != WorkerState.Down && w.SubnetV4 is not null)
            .Select(w => new SitePeer(Site, w.Node, w.TunnelEndpoint, w.Latitude, w.Longitude, w.TunnelPublicKey, w.TunnelSalt));
        _peersPending = false;
        Timers.StartSingleTimer("peers", FlushPeers.Instance, _settings.PeerFlushDelay);
        var sends = _peers.Flush(peers, _workers.All.Where(w => w.Placeable).Select(w => w.Node), DateTime.UtcNow);
        foreach (var send in sends) _workers.Get(send.Node)?.Ref.Tell(send.Message);
    }

    /// <summary>A worker saw a delta that does not follow what it holds: it gets the snapshot with the next flush.</summary>
    private void OnRequestSitePeers(RequestSitePeers msg)
    {
        var w = _workers.Get(msg.Node);
        if (msg.Site != Site || w is null || !w.Ref.Equals(msg.Worker) || Sender.Path.Address != w.Ref.Path.Address) return;
        _peers.Forget(msg.Node);
        PeersChanged();
    }

    private sealed class FlushPeers
    {
        public static readonly FlushPeers Instance = new();
    }

    /// <summary>
    /// `oak table`: asked of the worker and relayed to the asker (the root tier need not reach workers, only
    /// their orchestrator); refused here when the worker cannot be reached.
    /// </summary>
    private void OnQueryTable(QueryNodeTable msg)
    {
        var (w, refusal) = UpWorker(msg.Site, msg.Node);
        if (refusal is not null)
        {
            Sender.Tell(new NodeTableUnavailable(msg.Site, msg.Node, refusal));
            return;
        }
        w!.Ref.Ask<object>(msg, TableQueryTimeout).PipeTo(Sender,
            failure: _ => new NodeTableUnavailable(msg.Site, msg.Node, $"node {msg.Node} of site {Site} did not answer within {TableQueryTimeout.TotalSeconds:0} s"));
    }

    private static readonly TimeSpan TableQueryTimeout = TimeSpan.FromSeconds(4);

    /// <summary>The worker a query for <paramref name="node"/> of <paramref name="site"/> goes to, or why it cannot (one line for the user).</summary>
    private (SiteWorker? Worker, string? Refusal) UpWorker(string site, string node)
    {
        var w = site == Site ? _workers.Get(node) : null;
        string? refusal = site != Site ? $"this is the orchestrator of site {Site}, not {site}"
            : w is null ? $"node {node} is not registered at the orchestrator of site {Site}"
            : w.State != WorkerState.Up ? $"node {node} of site {Site} is {w.State.ToString().ToLowerInvariant()}"
            : null;
        return (refusal is null ? w : null, refusal);
    }

    private sealed record WorkerGraceElapsed(string Node, IActorRef Worker);
}
