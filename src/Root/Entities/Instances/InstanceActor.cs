using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Root.Entities.Services;
using Oakestra.Actors.Root.Entities.Sites;
using Oakestra.Actors.Root.Pools;

namespace Oakestra.Actors.Root.Entities.Instances;

/// <summary>
/// One instance: its Instance IPs for life, its placements and their epochs. Every accepted change is
/// reported to the Service, whose routes and version stay the single source of truth for deltas.
/// Migration is make-before-break: the old placement is told to stop only after the Service has
/// acknowledged the switch to the new one.
/// </summary>
public sealed class InstanceActor : ReceivePersistentActor, IWithTimers
{
    private static readonly TimeSpan RefusedRetry = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxCrashBackoff = TimeSpan.FromSeconds(60);
    // Placements that failed in a row (reset when one runs): a crashing instance is re-placed after
    // 1, 2, 4 … 60 s instead of in a tight loop that burns epochs and worker time.
    private int _consecutiveFailures;

    private readonly RootRefs _refs;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private InstanceState _state;
    private long _token;
    private long _stopAfterToken = -1;

    private sealed record MigrationSite(object Answer, IActorRef ReplyTo);

    public InstanceActor(string instanceId, RootRefs refs)
    {
        _refs = refs;
        _state = InstanceState.Empty(instanceId);
        PersistenceId = $"instance-{instanceId}";

        Recover<IInstanceEvent>(e => _state = _state.Apply(e));
        Recover<SnapshotOffer>(o => { if (o.Snapshot is InstanceState s) _state = s; });
        Recover<RecoveryCompleted>(_ =>
        {
            // A crash between the switch and the stop leaves the old placement draining: finish the job.
            if (_state.Draining is not null) ReportRoute(stopDrainingAfterAck: true);
        });

        Command<CreateInstance>(OnCreate);
        Command<GetInstance>(_ => Sender.Tell(_state.Exists ? new InstanceInfo(_state) : new InstanceNotFound(_state.Id)));
        Command<RetryPlacement>(_ => { if (_state.NeedsPlacement) TryPlace(); });
        Command<PlacementChosen>(OnPlacementChosen);
        Command<PlacementUnavailable>(OnPlacementUnavailable);
        Command<InstanceEnvelope>(e => OnContract(e.Message));
        Command<InstanceStatusReport>(OnContract);
        Command<PlacementRefused>(OnContract);
        Command<NodeLost>(OnNodeLost);
        Command<MigrateInstance>(OnMigrate);
        Command<MigrationSite>(OnMigrationSite);
        Command<UndeployInstance>(OnUndeploy);
        Command<InstanceRouteAck>(OnAck);
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(f => _log.Warning(f.Cause, "snapshot of {0} failed", _state.Id));
    }

    public override string PersistenceId { get; }

    public ITimerScheduler Timers { get; set; } = null!;

    private void OnCreate(CreateInstance c)
    {
        if (_state.Exists)
        {
            Sender.Tell(new InstanceInfo(_state));
            return;
        }
        var replyTo = Sender;
        PersistAndSnapshot(new InstanceCreated(c.ServiceId, c.Number, c.InstanceV4, c.InstanceV6, c.Code, c.Port, c.Node, c.Cluster), s =>
        {
            replyTo.Tell(new InstanceInfo(s));
            TryPlace();
        });
    }

    // A node named at deploy is where the instance starts, not a condition for life: when that node is
    // lost, the instance is re-placed on another worker of its site (DESIGN §3, worker lost) rather than
    // waiting Pending for a node that may never return.
    private void TryPlace() => _refs.Sites.Tell(new ChoosePlacement(
        _state.Id, _state.Node is { } pinned && pinned == _lostNode ? null : _state.Node, _state.Cluster, Wait: true));

    private string? _lostNode;

    private void OnPlacementChosen(PlacementChosen c)
    {
        if (!_state.NeedsPlacement) return;
        PersistAndSnapshot(new PlacementRequested(c.Site, c.Node, _state.Epoch + 1, Migration: false), s =>
        {
            SendToSite(c.Site, new PlaceInstance(Launch(s), c.Node));
            ReportRoute();
        });
    }

    private void OnPlacementUnavailable(PlacementUnavailable u)
    {
        // The registry keeps the instance on its waiting list and wakes it with RetryPlacement.
        if (!_state.NeedsPlacement || _state.LastDetail == u.Reason) return;
        PersistAndSnapshot(new PlacementDeferred(u.Reason), _ => ReportRoute());
    }

    private void OnContract(object message)
    {
        switch (message)
        {
            case InstanceStatusReport r:
                OnReport(r);
                break;
            case PlacementRefused p:
                OnRefused(p);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void OnReport(InstanceStatusReport r)
    {
        if (!_state.IsCurrent(r.Epoch))
        {
            // The reporting node lost this placement (or never owned it): it must stop, and it can
            // never claim the Instance IP again.
            Sender.Tell(new StaleEpoch(_state.Id, r.Epoch, _state.Epoch));
            return;
        }
        var before = _state;
        PersistAndSnapshot(new StatusAccepted(r.Epoch, r.Status, r.Placement, r.Detail), s =>
        {
            if (s.Owner is { } owner && owner != before.Owner)
                _refs.Sites.Tell(new InstanceLocated(s.Id, owner.Cluster, owner.Node));
            ReportRoute(stopDrainingAfterAck: s.Draining is not null);
            if (r.Status == InstanceStatus.Running) _consecutiveFailures = 0;
            if (!s.NeedsPlacement) return;
            if (r.Status != InstanceStatus.Failed) { TryPlace(); return; }
            var backoff = TimeSpan.FromSeconds(Math.Min(MaxCrashBackoff.TotalSeconds, Math.Pow(2, _consecutiveFailures++)));
            Timers.StartSingleTimer("retry-placement", new RetryPlacement(_state.Id), backoff);
        });
    }

    private void OnNodeLost(NodeLost n)
    {
        // Whichever placement lived on the lost node: the target of a migration, or the owner.
        long? epoch = _state.Pending is { } p && p.Site == n.Site && (p.Reported?.Node ?? p.Node) == n.Node ? p.Epoch
            : _state.Owner is { } o && o.Cluster == n.Site && o.Node == n.Node ? o.Epoch
            : null;
        if (epoch is not { } e || !_state.IsCurrent(e)) return;
        _lostNode = n.Node;
        PersistAndSnapshot(new StatusAccepted(e, InstanceStatus.Failed, null, $"worker {n.Node} of {n.Site} is down"), s =>
        {
            ReportRoute();
            if (s.NeedsPlacement) TryPlace();
        });
    }

    private void OnRefused(PlacementRefused p)
    {
        if (_state.Pending is not { } pending || pending.Epoch != p.Epoch) return;
        if (pending.Migration)
        {
            PersistAndSnapshot(new StatusAccepted(p.Epoch, InstanceStatus.Failed, null, p.Reason), _ => ReportRoute());
            return;
        }
        // The site chose no worker; try again later rather than asking the same site in a tight loop, and
        // not on a named node that refused (it is down or gone: the retry may go to any worker of the site).
        if (pending.Node is { } refusedNode) _lostNode = refusedNode;
        PersistAndSnapshot(new PlacementDeferred(p.Reason), _ =>
        {
            ReportRoute();
            Timers.StartSingleTimer("retry-placement", new RetryPlacement(_state.Id), RefusedRetry);
        });
    }

    private void OnMigrate(MigrateInstance m)
    {
        if (!_state.Exists)
        {
            Sender.Tell(new InstanceNotFound(_state.Id));
            return;
        }
        if (_state.Status != InstanceStatus.Running || _state.MigrationInProgress || _state.Owner is null)
        {
            Sender.Tell(new InstanceRejected(_state.Id, $"instance {_state.Id} is {_state.Status}; only a Running instance can migrate", null));
            return;
        }
        if (_state.Owner.Node == m.TargetNode)
        {
            Sender.Tell(new InstanceRejected(_state.Id, $"instance {_state.Id} already runs on {m.TargetNode}", "target_node"));
            return;
        }
        var replyTo = Sender;
        _refs.Sites.Ask<object>(new ChoosePlacement(_state.Id, m.TargetNode, null, Wait: false), _refs.Settings.AskTimeout)
            .PipeTo(Self, success: a => new MigrationSite(a, replyTo), failure: ex => new MigrationSite(new PlacementUnavailable(_state.Id, ex.Message), replyTo));
    }

    private void OnMigrationSite(MigrationSite m)
    {
        if (m.Answer is not PlacementChosen c)
        {
            m.ReplyTo.Tell(new InstanceRejected(_state.Id, (m.Answer as PlacementUnavailable)?.Reason ?? "no site for the target", "target_node"));
            return;
        }
        if (_state.Status != InstanceStatus.Running || _state.MigrationInProgress)
        {
            m.ReplyTo.Tell(new InstanceRejected(_state.Id, $"instance {_state.Id} is {_state.Status}; only a Running instance can migrate", null));
            return;
        }
        PersistAndSnapshot(new PlacementRequested(c.Site, c.Node, _state.Epoch + 1, Migration: true), s =>
        {
            SendToSite(c.Site, new PlaceInstance(Launch(s), c.Node));
            ReportRoute();
            m.ReplyTo.Tell(new InstanceInfo(s));
        });
    }

    private void OnUndeploy(UndeployInstance u)
    {
        if (!_state.Exists)
        {
            Sender.Tell(new InstanceNotFound(_state.Id));
            return;
        }
        if (_state.Undeployed)
        {
            Sender.Tell(new InstanceInfo(_state));
            return;
        }
        var before = _state;
        var replyTo = Sender;
        PersistAndSnapshot(new InstanceUndeployed(), s =>
        {
            foreach (var (site, epoch) in PlacementsOf(before))
                SendToSite(site, new StopInstance(s.Id, epoch, TimeSpan.Zero));
            var owner = PoolOwners.Instance(s.Id);
            var log = _log;
            _refs.Pools.ReleaseOwnerAsync(PoolNames.ServiceV4, owner).ContinueWith(t => ServiceActor.LogFailure(log, t, owner));
            _refs.Pools.ReleaseOwnerAsync(PoolNames.InstanceV6, owner).ContinueWith(t => ServiceActor.LogFailure(log, t, owner));
            _refs.Sites.Tell(new InstanceLeft(s.Id));
            if (!u.FromService) _refs.Services.Tell(new ReportInstanceGone(s.ServiceId, s.Id));
            replyTo.Tell(new InstanceInfo(s));
        });
    }

    private void OnAck(InstanceRouteAck ack)
    {
        if (ack.Token != _stopAfterToken || _state.Draining is not { } old) return;
        _stopAfterToken = -1;
        // Only now, with the switch in the Service's routes and its delta out, may the old placement go.
        SendToSite(old.Cluster, new StopInstance(_state.Id, old.Epoch, _refs.Settings.MigrationDrain));
        PersistAndSnapshot(new OldPlacementStopped(old.Epoch), _ => { });
    }

    private static IEnumerable<(string Site, long Epoch)> PlacementsOf(InstanceState s)
    {
        if (s.Owner is { } o) yield return (o.Cluster, o.Epoch);
        if (s.Pending is { } p) yield return (p.Site, p.Epoch);
        if (s.Draining is { } d) yield return (d.Cluster, d.Epoch);
    }

    private void ReportRoute(bool stopDrainingAfterAck = false)
    {
        var token = ++_token;
        if (stopDrainingAfterAck) _stopAfterToken = token;
        var target = _state.Pending is { Migration: true } p
            ? p.Reported ?? new Placement(p.Site, p.Node ?? "", null, null, "", p.Epoch)
            : null;
        _refs.Services.Tell(new ReportInstanceRoute(_state.ServiceId, _state.Route, new InstanceDetail(_state.Epoch, target), token));
    }

    private void SendToSite(string site, object message) => _refs.Sites.Tell(new ForwardToSite(site, message));

    private static InstanceLaunch Launch(InstanceState s) =>
        new(s.Id, s.ServiceId, s.Number, s.InstanceV4, s.InstanceV6, s.Code, s.Port, s.Epoch);

    private void PersistAndSnapshot(IInstanceEvent e, Action<InstanceState> after) =>
        Persist(e, persisted =>
        {
            _state = _state.Apply(persisted);
            if (LastSequenceNr % _refs.Settings.SnapshotEvery == 0) SaveSnapshot(_state);
            after(_state);
        });
}
