using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace Oakestra.Actors.Root.Pools;

/// <summary>
/// The single writer of one pool: every allocation and release is persisted before it is answered, and
/// commands are handled one at a time (the persist stash), so two callers never get the same address,
/// also not across a restart. Run as a sharded entity keyed by pool name on role `root`, so with
/// several root processes each pool still has exactly one writer (they share the journal).
/// </summary>
public sealed class AddressPoolActor : ReceivePersistentActor
{
    private readonly PoolDefinition _pool;
    private readonly PoolSettings _settings;
    private readonly Func<PoolNow> _clock;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private PoolState _state;

    public AddressPoolActor(PoolDefinition pool, PoolSettings settings, TimeProvider clock)
    {
        _pool = pool;
        _settings = settings;
        _clock = PoolNow.Clock(clock);
        _state = new PoolState(pool);

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is PoolSnapshot s) _state = PoolState.FromSnapshot(_pool, s, _clock().Monotonic, _settings.Quarantine);
        });
        Recover<PoolAddressAllocated>(e => _state.Apply(e, _clock().Monotonic));
        // Replayed releases restart their countdown now (PoolState says why).
        Recover<PoolAddressReleased>(e => _state.Apply(e, _clock().Monotonic));
        Recover<RecoveryCompleted>(_ =>
            _log.Info("pool {0} ({1}) recovered: {2} held, {3} quarantined", _pool.Name, _pool.Prefix, _state.HeldCount, _state.QuarantinedCount));

        Command<AllocateAddress>(Handle);
        Command<ReleaseAddress>(Handle);
        Command<ReleaseOwner>(Handle);
        Command<PreviewAddresses>(c => Sender.Tell(new AddressesPreviewed(_pool.Name, _state.Preview(c.Count, Now()))));
        Command<LookupOwner>(c => Sender.Tell(_state.OwnerOf(c.Address) is { } lease
            ? new AddressOwner(lease)
            : new PoolError(PoolErrorKind.NotHeld, _pool.Name, $"{c.Address} is not held in pool {_pool.Name}", c.Address)));
        Command<ListUnconfirmed>(c =>
        {
            var (holdings, more) = _state.Unconfirmed(Now().Monotonic, c.OlderThan, c.After, Math.Clamp(c.Limit, 1, 2000));
            Sender.Tell(new UnconfirmedHoldings(_pool.Name, holdings, more));
        });
        Command<ConfirmHoldings>(c =>
        {
            var now = Now().Monotonic;
            Sender.Tell(new HoldingsConfirmed(_pool.Name, c.Holdings.Count(h => _state.Confirm(h.Address, h.Owner, h.Since, now + c.For))));
        });
        Command<ReclaimAddress>(Handle);
        Command<ListHeld>(c =>
        {
            var (holdings, more) = _state.Held(c.After, Math.Clamp(c.Limit, 1, 2000));
            Sender.Tell(new HeldAddresses(_pool.Name, holdings, more));
        });
        Command<ListHoldings>(c => Sender.Tell(new OwnerHoldings(_pool.Name, c.Owner, _state.HoldingsOf(c.Owner))));
        Command<SaveSnapshotSuccess>(s => DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1)));
        Command<SaveSnapshotFailure>(f => _log.Warning("pool {0}: snapshot failed: {1}", _pool.Name, f.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(_ => { });
    }

    public override string PersistenceId => PersistenceIdOf(_pool.Name);

    // The pool gauges of docs/METRICS.md read the counts while this actor runs.
    protected override void PreStart()
    {
        base.PreStart();
        Api.Metrics.PoolUsageBoard.Track(this, Context.System, _pool, () => (_state.HeldCount, _state.QuarantinedCount));
    }

    protected override void PostStop()
    {
        Api.Metrics.PoolUsageBoard.Untrack(this);
        base.PostStop();
    }

    public static string PersistenceIdOf(string pool) => $"pool-{pool}";

    public static Props Props(PoolDefinition pool, PoolSettings settings, TimeProvider clock) =>
        Akka.Actor.Props.Create(() => new AddressPoolActor(pool, settings, clock));

    private void Handle(AllocateAddress c)
    {
        var now = Now();
        var (evt, existing, error) = _state.DecideAllocate(c.Owner, c.Requested, c.ReuseIfHeld, now);
        if (error is not null) { Sender.Tell(error); return; }
        if (existing is not null)
        {
            // The owner is back for it (a retry after a crash): an audit that listed it before must not reclaim it now.
            _state.Touch(existing.Address, now.Monotonic);
            Sender.Tell(new AddressAllocated(existing, Reused: true));
            return;
        }
        Persist(evt!, e =>
        {
            _state.Apply(e, _clock().Monotonic);
            Sender.Tell(new AddressAllocated(new PoolLease(_pool.Name, e.Owner, e.Address), Reused: false));
            MaybeSnapshot();
        });
    }

    private void Handle(ReleaseAddress c)
    {
        var (evt, error) = _state.DecideRelease(c.Address, c.Owner, c.Quarantine, Now(), _settings.Quarantine);
        if (error is not null) { Sender.Tell(error); return; }
        Persist(evt!, e =>
        {
            _state.Apply(e, _clock().Monotonic);
            Sender.Tell(new AddressesReleased(_pool.Name, [new PoolLease(_pool.Name, e.Owner, e.Address)]));
            MaybeSnapshot();
        });
    }

    private void Handle(ReclaimAddress c)
    {
        var h = c.Holding;
        var (evt, error) = _state.DecideReclaim(h.Address, h.Owner, h.Since, c.Grace, Now(), _settings.Quarantine);
        if (error is not null) { Sender.Tell(error); return; }
        Persist(evt!, e =>
        {
            _state.Apply(e, _clock().Monotonic);
            _log.Warning("pool {0}: reclaimed {1} from {2}, which never confirmed holding it; quarantined", _pool.Name, e.Address, e.Owner);
            Sender.Tell(new AddressesReleased(_pool.Name, [new PoolLease(_pool.Name, e.Owner, e.Address)]));
            MaybeSnapshot();
        });
    }

    private void Handle(ReleaseOwner c)
    {
        var events = _state.DecideReleaseOwner(c.Owner, c.Quarantine, Now(), _settings.Quarantine);
        if (events.Count == 0) { Sender.Tell(new AddressesReleased(_pool.Name, [])); return; }
        var sender = Sender;
        var done = 0;
        PersistAll(events, e =>
        {
            _state.Apply(e, _clock().Monotonic);
            MaybeSnapshot();
            if (++done == events.Count)
                sender.Tell(new AddressesReleased(_pool.Name, events.Select(x => new PoolLease(_pool.Name, x.Owner, x.Address)).ToArray()));
        });
    }

    private PoolNow Now()
    {
        var now = _clock();
        _state.ExpireQuarantine(now.Monotonic);
        return now;
    }

    private void MaybeSnapshot()
    {
        if (LastSequenceNr % _settings.SnapshotEvery == 0) SaveSnapshot(_state.ToSnapshot(_clock().Monotonic));
    }
}
