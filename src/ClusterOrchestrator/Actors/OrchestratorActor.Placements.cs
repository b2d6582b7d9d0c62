using Akka.Event;
using Akka.Actor;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;

namespace Oakestra.Actors.ClusterOrchestrator.Actors;

// Placements: what the root hands the site, where it runs, what workers report; and anti-entropy both ways
// (workers' digests in, the site's digest up).
public sealed partial class OrchestratorActor
{
    private void PlacementHandlers()
    {
        Receive<PlaceInstance>(OnPlace);
        Receive<StopInstance>(OnStop);
        Receive<InstanceStatusReport>(OnStatusReport);
        Receive<StaleEpoch>(OnStaleEpoch);
        Receive<WorkerDigest>(OnWorkerDigest);
        Receive<DigestTick>(_ => SendSiteDigest());
    }

    private void OnPlace(PlaceInstance msg)
    {
        var launch = msg.Launch;
        // Again for a placement already here (the root repairs a PlaceInstance it thinks was lost): same node.
        if (_workers.Placement(launch.InstanceId, launch.Epoch) is { } known && _workers.Get(known.Node) is { } there)
        {
            _workers.Put(known with { Launch = launch, Stopping = false });
            there.Ref.Tell(new StartInstance(launch));
            return;
        }
        var (worker, refusal) = _workers.Choose(msg.Node);
        if (worker is null)
        {
            _root.Tell(new PlacementRefused(launch.InstanceId, launch.Epoch, refusal!));
            return;
        }
        _workers.Put(new SitePlacement(launch.InstanceId, launch.Epoch, worker.Node, launch, InstanceStatus.Starting, null,
            Draining: false, Stopping: false, DateTime.UtcNow));
        worker.Ref.Tell(new StartInstance(launch));
    }

    private void OnStop(StopInstance msg)
    {
        if (_workers.Placement(msg.InstanceId, msg.Epoch) is { } p && _workers.Get(p.Node) is { } w)
        {
            _workers.Put(p with { Stopping = true, Stop = msg, SentAtUtc = DateTime.UtcNow });
            w.Ref.Tell(msg);
            return;
        }
        // Unknown placement (e.g. we restarted before its worker reported): workers ignore what they don't run.
        foreach (var other in _workers.All.Where(w => w.State != WorkerState.Down)) other.Ref.Tell(msg);
    }

    private void OnStatusReport(InstanceStatusReport msg)
    {
        // Only the worker the epoch was handed to speaks for it, and only with its own node and tunnel endpoint:
        // the report moves the Instance IP's route to the placement it names.
        if (Refused(SiteSenders.RefuseReport(_workers, Site, msg, Sender), msg)) return;
        var w = _workers.ByRef(Sender)!;
        var known = _workers.Placement(msg.InstanceId, msg.Epoch);
        if (msg.Status is InstanceStatus.Failed or InstanceStatus.Stopped) _workers.Untrack(msg.InstanceId, msg.Epoch);
        else
            _workers.Put((known ?? new SitePlacement(msg.InstanceId, msg.Epoch, w.Node, null, msg.Status, msg.Placement, false, false, DateTime.UtcNow))
                with { Node = w.Node, Status = msg.Status, Placement = msg.Placement ?? known?.Placement });
        _root.Tell(msg);
    }

    /// <summary>The root refused a report: that epoch lost its Instance IP. Only the worker running it must hear it.</summary>
    private void OnStaleEpoch(StaleEpoch msg)
    {
        var node = _workers.NodeOf(msg.InstanceId, msg.ReportedEpoch);
        if (node is not null && _workers.Get(node) is { } w) w.Ref.Tell(msg);
        else foreach (var other in _workers.All.Where(x => x.State != WorkerState.Down)) other.Ref.Tell(msg);
    }

    private void OnWorkerDigest(WorkerDigest digest)
    {
        if (Refused(SiteSenders.RefuseDigest(_workers, digest, Sender), digest)) return;
        var w = _workers.Get(digest.Node);
        if (w is null || !w.Ref.Equals(digest.Worker)) return; // an older incarnation's last words
        var repairs = _workers.Reconcile(digest, DateTime.UtcNow, _settings.DigestInterval);
        foreach (var again in repairs.Restart)
        {
            _log.Info("{0} epoch {1} does not run on {2} although placed there: starting it again", again.InstanceId, again.Epoch, again.Node);
            w.Ref.Tell(new StartInstance(again.Launch!));
        }
        foreach (var stop in repairs.Restop)
        {
            _log.Info("{0} epoch {1} still runs on {2} although told to stop: telling it again", stop.InstanceId, stop.Epoch, digest.Node);
            w.Ref.Tell(stop);
        }
        ReconcileInterests(digest);
        if (w.Placeable && _peers.Lags(w.Node, digest.PeersVersion, DateTime.UtcNow, _settings.DigestInterval))
        {
            _log.Info("worker {0} holds peer version {1}, not the one sent to it: sending it the site's peers", w.Node, digest.PeersVersion?.ToString() ?? "none");
            PeersChanged();
        }
    }

    /// <summary>Every placement of the site (of workers up or within their grace) and the version of every service it follows.</summary>
    private void SendSiteDigest()
    {
        var placements = _workers.Placements
            // A placement told to stop counts as draining: the root need not tell it again (this site repeats it if need be).
            .Select(p => new PlacementDigest(p.InstanceId, p.Epoch, p.Node, p.Status, p.Placement, p.Draining || p.Stopping))
            .ToArray();
        var services = _subscribedAtRoot
            .Select(s => new ServiceVersion(s, _cache.TryGet(s, out var routes) ? routes.Version : 0))
            .ToArray();
        _root.Tell(new SiteDigest(Site, Self, placements, services));
    }
}
