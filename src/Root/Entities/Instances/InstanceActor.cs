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

    /// <summary>A placement that ran this long before it failed was not part of a crash loop: the backoff starts over.</summary>
    public static readonly TimeSpan StableRun = TimeSpan.FromSeconds(60);

    // Placements that failed in a row: a crashing instance is re-placed after 1, 2, 4 … 60 s instead of in a tight
    // loop that burns epochs and worker time. Reset only by a run of StableRun: resetting on Running let an instance
    // that exits half a second after it starts reach epoch 31 within a minute.
    private int _consecutiveFailures;
    private long? _runningSinceMs;

    private readonly RootRefs _refs;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Oakestra.Actors.Contracts.Messaging.SenderRefusals _refusals = new();
    private InstanceState _state;
    private long _token;
    private long _stopAfterToken = -1;

    private sealed record MigrationSite(object Answer, IActorRef ReplyTo);
    private sealed record Failover(string LostSite, long Epoch, object Answer);

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
            TellPlaced();
            // Timers do not survive the root: an instance that was waiting for a placement (or for its backoff) asks
            // again now, and a placement handed out before the crash gets its deadline again, counted from here.
            if (_state.NeedsPlacement) TryPlace();
            else if (_state.Pending is { Migration: false } p && _refs.Settings.PlacementDeadline > TimeSpan.Zero)
                Timers.StartSingleTimer("placement-deadline", new PlacementDeadlinePassed(p.Epoch), _refs.Settings.PlacementDeadline);
        });

        Command<CreateInstance>(OnCreate);
        Command<GetInstance>(_ => Sender.Tell(_state.Exists ? new InstanceInfo(_state) : new InstanceNotFound(_state.Id)));
        Command<PlacementDeadlinePassed>(OnPlacementDeadline);
        Command<RetryPlacement>(_ =>
        {
            if (!_state.NeedsPlacement) return;
            _state = _state with { NextAttemptAt = null };
            TryPlace();
        });
        Command<PlacementChosen>(OnPlacementChosen);
        Command<PlacementUnavailable>(OnPlacementUnavailable);
        Command<InstanceEnvelope>(e => OnContract(e.Message));
        Command<InstanceStatusReport>(OnContract);
        Command<PlacementRefused>(OnContract);
        Command<NodeLost>(OnNodeLost);
        Command<ReconcilePlacement>(OnReconcile);
        Command<SiteLost>(OnSiteLost);
        Command<Failover>(OnFailover);
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
        PersistAndSnapshot(new InstanceCreated(c.ServiceId, c.Number, c.InstanceV4, c.InstanceV6, c.Code, c.Port, c.Node, c.Cluster,
            c.Virtualization, c.Command, c.Environment, c.Nodes, c.OneShot, c.Limits), s =>
        {
            replyTo.Tell(new InstanceInfo(s));
            TryPlace();
        });
    }

    // A node named at deploy is where the instance starts, not a condition for life: when that node is
    // lost, the instance is re-placed on another worker of its site (docs/DESIGN.md §3, worker lost) rather than
    // waiting Pending for a node that may never return. A list of nodes (a direct constraint naming several)
    // loses the lost ones first, and only when none is left does any worker do.
    private void TryPlace()
    {
        var anyOf = _state.Nodes?.Where(n => !_lostNodes.Contains(n)).ToArray();
        _refs.Sites.Tell(new ChoosePlacement(
            _state.Id, _state.Node is { } pinned && _lostNodes.Contains(pinned) ? null : _state.Node, _state.Cluster, Wait: true)
        {
            AnyOf = anyOf is { Length: > 0 } ? anyOf : null,
        });
    }

    private readonly HashSet<string> _lostNodes = new(StringComparer.Ordinal);

    private void OnPlacementChosen(PlacementChosen c)
    {
        if (!_state.NeedsPlacement) return;
        PersistAndSnapshot(new PlacementRequested(c.Site, c.Node, _state.Epoch + 1, Migration: false), s =>
        {
            SendToSite(c.Site, new PlaceInstance(Launch(s), c.Node));
            ReportRoute();
            if (_refs.Settings.PlacementDeadline > TimeSpan.Zero)
                Timers.StartSingleTimer("placement-deadline", new PlacementDeadlinePassed(s.Epoch), _refs.Settings.PlacementDeadline);
        });
    }

    private sealed record PlacementDeadlinePassed(long Epoch);

    private void OnPlacementDeadline(PlacementDeadlinePassed d)
    {
        // Only a first placement or a re-placement: a migration's target that never runs leaves the owner serving.
        if (!_state.IsCurrent(d.Epoch) || _state.Owner is not null || _state.Pending is not { Migration: false } p
            || _state.Status is not (InstanceStatus.Pending or InstanceStatus.Starting)) return;
        var where = p.Reported?.Node ?? p.Node;
        var reason = $"not Running {_refs.Settings.PlacementDeadline.TotalSeconds:0} s after it was handed to {p.Site}{(where is null ? "" : $" (node {where})")}";
        _log.Warning("{0}: epoch {1} {2}; placing it again", _state.Id, d.Epoch, reason);
        SendToSite(p.Site, new StopInstance(_state.Id, d.Epoch, TimeSpan.Zero));
        PersistAndSnapshot(new StatusAccepted(d.Epoch, InstanceStatus.Failed, null, reason, DateTimeOffset.UtcNow), s => AfterFailure(s));
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
        if (_state.RefuseReport(r) is { } refusal)
        {
            // Applied, it would move the Instance IP's route to a node the epoch was never handed to.
            _refusals.Refuse(r, Sender, refusal, _log);
            return;
        }
        if (Unchanged(r))
        {
            // A worker or a site telling again what we know (after a restart of either): nothing to write.
            if (r.Status == InstanceStatus.Running) _runningSinceMs ??= Environment.TickCount64;
            return;
        }
        // Oakestra's one_shot: the end of a run that exited 0 is its completion, not a failure to repair.
        var status = r.Status == InstanceStatus.Failed && r.ExitCode == 0 && _state.OneShot ? InstanceStatus.Completed : r.Status;
        PersistAndSnapshot(new StatusAccepted(r.Epoch, status, r.Placement, status == InstanceStatus.Completed ? "completed (exit 0)" : r.Detail, DateTimeOffset.UtcNow), s =>
        {
            if (r.Status == InstanceStatus.Running) _runningSinceMs ??= Environment.TickCount64;
            if (status == InstanceStatus.Failed)
            {
                AfterFailure(s);
                return;
            }
            ReportRoute(stopDrainingAfterAck: s.Draining is not null);
            if (s.NeedsPlacement) TryPlace();
        });
    }

    /// <summary>A failed placement: placed again after the crash-loop backoff, shown as CrashLoop until then.</summary>
    private void AfterFailure(InstanceState s)
    {
        TimeSpan? backoff = null;
        if (s.NeedsPlacement)
        {
            if (_runningSinceMs is { } since && Environment.TickCount64 - since >= (long)StableRun.TotalMilliseconds) _consecutiveFailures = 0;
            backoff = TimeSpan.FromSeconds(Math.Min(MaxCrashBackoff.TotalSeconds, Math.Pow(2, _consecutiveFailures++)));
            _state = _state with { NextAttemptAt = DateTimeOffset.UtcNow + backoff.Value };
        }
        _runningSinceMs = null;
        ReportRoute(stopDrainingAfterAck: _state.Draining is not null);
        if (backoff is { } wait) Timers.StartSingleTimer("retry-placement", new RetryPlacement(_state.Id), wait);
    }

    private void OnNodeLost(NodeLost n)
    {
        // Whichever placement lived on the lost node: the target of a migration, or the owner.
        long? epoch = _state.Pending is { } p && p.Site == n.Site && (p.Reported?.Node ?? p.Node) == n.Node ? p.Epoch
            : _state.Owner is { } o && o.Cluster == n.Site && o.Node == n.Node ? o.Epoch
            : null;
        if (epoch is not { } e || !_state.IsCurrent(e)) return;
        _lostNodes.Add(n.Node);
        PersistAndSnapshot(new StatusAccepted(e, InstanceStatus.Failed, null, $"worker {n.Node} of {n.Site} is down", DateTimeOffset.UtcNow), s =>
        {
            ReportRoute();
            if (s.NeedsPlacement) TryPlace();
        });
    }

    /// <summary>Whether a report only says what the state already holds for its epoch.</summary>
    private bool Unchanged(InstanceStatusReport r) =>
        (_state.Pending is { } p && p.Epoch == r.Epoch && r.Status == InstanceStatus.Starting && p.Reported == r.Placement) ||
        (_state.Owner is { } o && o.Epoch == r.Epoch && r.Status is InstanceStatus.Running or InstanceStatus.Starting
            && _state.Status is InstanceStatus.Running or InstanceStatus.Migrating && o == r.Placement);

    /// <summary>
    /// A site's digest differs from what this instance expects there (anti-entropy, docs/DESIGN.md §3). A stale epoch the
    /// site still runs is stopped (a lost StopInstance; an old placement still draining is left to end); a current
    /// one's status is taken from the digest (a lost report); an epoch the site should run but does not is placed
    /// there again (a lost PlaceInstance, or a placement lost with its worker and orchestrator).
    /// </summary>
    private void OnReconcile(ReconcilePlacement r)
    {
        if (r.Reported is { } p)
        {
            if (!_state.IsCurrent(p.Epoch))
            {
                if (_state.Draining?.Epoch != p.Epoch && !p.Draining)
                {
                    _log.Info("{0}: site {1} still runs epoch {2} ({3}); stopping it", _state.Id, r.Site, p.Epoch,
                        _state.Undeployed ? "undeployed" : $"stale, current {_state.Epoch}");
                    SendToSite(r.Site, new StopInstance(_state.Id, p.Epoch, TimeSpan.Zero));
                }
                TellPlaced();
                return;
            }
            var report = new InstanceStatusReport(_state.Id, p.Epoch, p.Status, p.Placement, "from the site's digest");
            if (Unchanged(report) || p.Status is not (InstanceStatus.Starting or InstanceStatus.Running)) TellPlaced();
            else OnReport(report);
            return;
        }
        var missing = r.MissingEpoch;
        if (_state.Pending is { } pending && pending.Site == r.Site && (missing == 0 || missing == pending.Epoch))
        {
            _log.Info("{0}: site {1} does not run epoch {2} handed to it; placing it there again", _state.Id, r.Site, pending.Epoch);
            SendToSite(r.Site, new PlaceInstance(Launch(_state), pending.Node));
        }
        else if (_state.Owner is { } o && o.Cluster == r.Site && o.Epoch == _state.Epoch && _state.Status == InstanceStatus.Running
                 && (missing == 0 || missing == o.Epoch))
        {
            _log.Info("{0}: site {1} no longer runs epoch {2}; placing it there again", _state.Id, r.Site, o.Epoch);
            SendToSite(r.Site, new PlaceInstance(Launch(_state), o.Node));
        }
        TellPlaced();
    }

    /// <summary>The site of this instance's placement is lost: move to another site if one can take it, else stay.</summary>
    private void OnSiteLost(SiteLost m)
    {
        long? epoch = _state.Pending is { } p && p.Site == m.Site ? p.Epoch
            : _state.Owner is { } o && o.Cluster == m.Site && _state.IsCurrent(o.Epoch) ? o.Epoch
            : null;
        if (epoch is not { } e || _state.Undeployed) return;
        _refs.Sites.Ask<object>(new ChoosePlacement(_state.Id, null, _state.Cluster, Wait: false, AvoidSite: m.Site), _refs.Settings.AskTimeout)
            .PipeTo(Self, success: a => new Failover(m.Site, e, a), failure: ex => new Failover(m.Site, e, new PlacementUnavailable(_state.Id, ex.Message)));
    }

    private void OnFailover(Failover f)
    {
        var stillThere = (_state.Pending is { } p && p.Site == f.LostSite && p.Epoch == f.Epoch)
            || (_state.Owner is { } o && o.Cluster == f.LostSite && o.Epoch == f.Epoch && _state.IsCurrent(o.Epoch));
        if (!stillThere || _state.Undeployed) return;
        if (f.Answer is not PlacementChosen c)
        {
            _log.Warning("{0}: its site {1} is lost and no other site can take it ({2}); it stays with {1}",
                _state.Id, f.LostSite, (f.Answer as PlacementUnavailable)?.Reason);
            return;
        }
        _log.Warning("{0}: its site {1} is lost; placing it on site {2} (epoch {3})", _state.Id, f.LostSite, c.Site, _state.Epoch + 1);
        PersistAndSnapshot(new PlacementRequested(c.Site, c.Node, _state.Epoch + 1, Migration: false), s =>
        {
            SendToSite(c.Site, new PlaceInstance(Launch(s), c.Node));
            ReportRoute();
        });
    }

    /// <summary>Tells the site registry where this instance runs and which placements it expects (its digest mirror).</summary>
    private void TellPlaced()
    {
        if (!_state.Exists) return;
        var expected = new List<ExpectedPlacement>();
        if (!_state.Undeployed)
        {
            if (_state.Owner is { } o && _state.Status is InstanceStatus.Running or InstanceStatus.Migrating)
                expected.Add(new ExpectedPlacement(o.Cluster, o.Node, o.Epoch, Running: true));
            if (_state.Pending is { } p) expected.Add(new ExpectedPlacement(p.Site, p.Reported?.Node ?? p.Node, p.Epoch, Running: false));
        }
        var owner = _state.Status is InstanceStatus.Running or InstanceStatus.Migrating ? _state.Owner : null;
        _refs.Sites.Tell(new InstancePlaced(_state.Id, owner?.Cluster, owner?.Node, expected));
    }

    private void OnRefused(PlacementRefused p)
    {
        if (_state.Pending is not { } pending || pending.Epoch != p.Epoch) return;
        if (pending.Migration)
        {
            PersistAndSnapshot(new StatusAccepted(p.Epoch, InstanceStatus.Failed, null, p.Reason, DateTimeOffset.UtcNow), _ => ReportRoute());
            return;
        }
        // The site chose no worker; try again later rather than asking the same site in a tight loop, and
        // not on a named node that refused (it is down or gone: the retry may go to any worker of the site).
        if (pending.Node is { } refusedNode) _lostNodes.Add(refusedNode);
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
        _refs.Services.Tell(new ReportInstanceRoute(_state.ServiceId, _state.Route, new InstanceDetail(_state.Epoch, target, _state.LastFailure, _state.LastFailureAt, _state.NextAttemptAt), token));
    }

    private void SendToSite(string site, object message) => _refs.Sites.Tell(new ForwardToSite(site, message));

    private static InstanceLaunch Launch(InstanceState s) =>
        new(s.Id, s.ServiceId, s.Number, s.InstanceV4, s.InstanceV6, s.Code, s.Port, s.Epoch, s.Virtualization, s.Command, s.Environment, s.Limits);

    private void PersistAndSnapshot(IInstanceEvent e, Action<InstanceState> after) =>
        Persist(e, persisted =>
        {
            _state = _state.Apply(persisted);
            if (LastSequenceNr % _refs.Settings.SnapshotEvery == 0) SaveSnapshot(_state);
            TellPlaced();
            after(_state);
        });
}
