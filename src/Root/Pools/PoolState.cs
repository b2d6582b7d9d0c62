namespace Oakestra.Actors.Root.Pools;

/// <summary>
/// Allocation state of one pool. Decisions (<see cref="Decide"/>-methods) never change it; only
/// <see cref="Apply(PoolAddressAllocated)"/>/<see cref="Apply(PoolAddressReleased, TimeSpan)"/> do, so recovery and
/// live commands go through the same transitions. Allocation picks the lowest free slot: an address that
/// left quarantine is reused before untouched ones, which keeps the used range compact.
///
/// Quarantine runs on the monotonic clock (<see cref="PoolNow.Monotonic"/>), never on the wall clock. The journal
/// keeps the release time and its wall-clock end (<see cref="PoolAddressReleased.At"/>, <see cref="PoolAddressReleased.QuarantinedUntil"/>),
/// which is to say the quarantine's length; the countdown of that length starts when the release is applied:
/// at once for a live release, at recovery for a replayed one. Why: the quarantine exists so that every worker
/// has time to drop the old route before the address means something else. A wall-clock step (an NTP
/// correction, a resumed VM, someone's `date`) would otherwise free an address at once (step forwards) or keep it
/// for as long as the step (backwards). A restarted root cannot tell the time it spent down from such a step,
/// and while it was down it published no route removal, so that time does not count either: a restart restarts
/// the countdown and never shortens it. The cost is that an address released shortly before a restart waits up
/// to one more quarantine.
/// </summary>
public sealed class PoolState(PoolDefinition pool)
{
    private readonly SortedDictionary<UInt128, string> _owners = new();
    private readonly Dictionary<string, SortedSet<UInt128>> _byOwner = new(StringComparer.Ordinal);
    private readonly Dictionary<UInt128, Quarantine> _quarantine = new();
    // Per holding, in memory only: since when (monotonic) nobody has confirmed it, or until when a confirmation holds.
    private readonly Dictionary<UInt128, Confirmation> _confirmation = new();
    // Held ∪ quarantined, for the lowest-free scan.
    private readonly SortedSet<UInt128> _blocked = new();

    public PoolDefinition Pool { get; } = pool;
    public int HeldCount => _owners.Count;
    public int QuarantinedCount => _quarantine.Count;
    private PoolSpace Space => Pool.Space;

    /// <summary>The event for an allocation, or the error; no change.</summary>
    public (PoolAddressAllocated? Event, PoolLease? Existing, PoolError? Error) DecideAllocate(
        string owner, string? requested, bool reuseIfHeld, PoolNow now)
    {
        if (reuseIfHeld && _byOwner.TryGetValue(owner, out var held) && held.Count > 0)
            return (null, Lease(held.Min, owner), null);

        if (requested is not null)
        {
            if (!Space.TrySlot(requested, out var slot, out var kind))
                return (null, null, Error(kind.Value, requested, kind switch
                {
                    PoolErrorKind.OutsidePool => $"{requested} is outside pool {Pool.Name} ({Space.Prefix})",
                    PoolErrorKind.Reserved => $"{requested} is reserved in pool {Pool.Name} (network/broadcast-like address)",
                    _ => $"'{requested}' is not a valid address for pool {Pool.Name} ({Space.Prefix})",
                }));
            var text = Space.Format(slot);
            if (_owners.TryGetValue(slot, out var holder))
                return holder == owner
                    ? (null, Lease(slot, owner), null)
                    : (null, null, Error(PoolErrorKind.Taken, text, $"{text} is already taken in pool {Pool.Name}"));
            if (IsQuarantined(slot, now.Monotonic, out var q))
            {
                var left = q.EndsAt - now.Monotonic;
                return (null, null, Error(PoolErrorKind.Quarantined, text,
                    $"{text} was released recently and is quarantined for another {Math.Ceiling(left.TotalSeconds):0} s (until about {now.Wall + left:O})"));
            }
            return (new PoolAddressAllocated(text, owner, now.Wall), null, null);
        }

        UInt128? free = FreeSlots(now.Monotonic).Select(x => (UInt128?)x).FirstOrDefault();
        return free is { } s
            ? (new PoolAddressAllocated(Space.Format(s), owner, now.Wall), null, null)
            : (null, null, Error(PoolErrorKind.Exhausted, null, $"pool {Pool.Name} ({Space.Prefix}) is exhausted"));
    }

    public (PoolAddressReleased? Event, PoolError? Error) DecideRelease(string address, string? owner, bool quarantine, PoolNow now, TimeSpan quarantineFor)
    {
        if (!Space.TrySlot(address, out var slot, out var kind))
            return (null, Error(kind == PoolErrorKind.Reserved ? PoolErrorKind.NotHeld : kind.Value, address, $"{address} is not held in pool {Pool.Name}"));
        if (!_owners.TryGetValue(slot, out var holder) || (owner is not null && holder != owner))
            return (null, Error(PoolErrorKind.NotHeld, address, $"{address} is not held{(owner is null ? "" : $" by {owner}")} in pool {Pool.Name}"));
        return (Released(slot, holder, quarantine, now, quarantineFor), null);
    }

    public IReadOnlyList<PoolAddressReleased> DecideReleaseOwner(string owner, bool quarantine, PoolNow now, TimeSpan quarantineFor) =>
        _byOwner.TryGetValue(owner, out var held)
            ? held.Select(s => Released(s, owner, quarantine, now, quarantineFor)).ToArray()
            : [];

    public IReadOnlyList<string> Preview(int count, PoolNow now) =>
        FreeSlots(now.Monotonic).Take(Math.Max(0, count)).Select(Space.Format).ToArray();

    public PoolLease? OwnerOf(string address) =>
        Space.TrySlot(address, out var slot, out _) && _owners.TryGetValue(slot, out var owner) ? Lease(slot, owner) : null;

    public IReadOnlyList<PoolLease> HoldingsOf(string owner) =>
        _byOwner.TryGetValue(owner, out var held) ? held.Select(s => Lease(s, owner)).ToArray() : [];

    /// <summary>
    /// <paramref name="appliedAt"/>: the monotonic now (also for a replayed event): an owner has a full
    /// <c>grace</c> from here to confirm the holding before <see cref="DecideReclaim"/> may take it back.
    /// </summary>
    public void Apply(PoolAddressAllocated e, TimeSpan appliedAt = default)
    {
        // An event outside the (possibly reconfigured) prefix cannot be represented; it is skipped.
        if (!Space.TrySlot(e.Address, out var slot, out _)) return;
        if (_owners.TryGetValue(slot, out var previous)) Forget(slot, previous);
        _quarantine.Remove(slot);
        _owners[slot] = e.Owner;
        if (!_byOwner.TryGetValue(e.Owner, out var set)) _byOwner[e.Owner] = set = new SortedSet<UInt128>();
        set.Add(slot);
        _blocked.Add(slot);
        _confirmation[slot] = new Confirmation(appliedAt, null);
    }

    /// <summary>
    /// <paramref name="appliedAt"/>: the monotonic now, for a replayed event too (the countdown starts again at
    /// recovery, see the class comment). The length is the event's own (end − release, one wall-clock reading).
    /// </summary>
    public void Apply(PoolAddressReleased e, TimeSpan appliedAt)
    {
        if (!Space.TrySlot(e.Address, out var slot, out _)) return;
        if (_owners.TryGetValue(slot, out var holder)) Forget(slot, holder);
        if (e.QuarantinedUntil is { } until && until > e.At)
        {
            _quarantine[slot] = new Quarantine(appliedAt + (until - e.At), e.At, until - e.At);
            _blocked.Add(slot);
        }
        else
        {
            _quarantine.Remove(slot);
            _blocked.Remove(slot);
        }
    }

    // Reservations. An address is allocated before its owner entity persists that it holds it (a Service IP before
    // ServiceCreated, an Instance IP before InstancesAdded); a crash or a lost message in between leaves a holding
    // nobody will ever release. Every holding is therefore unconfirmed from its allocation (or from recovery) until
    // the audit has seen its owner hold it; one still unconfirmed after the grace may be reclaimed. A reclaim names
    // the moment it saw (Since): an owner that allocated the same address again meanwhile (a retried request gets
    // what it holds) moved that moment on, and the reclaim is refused, so an audit never races a live request.

    /// <summary>An owner came back for a holding (a retry after a crash): its grace starts over.</summary>
    public void Touch(string address, TimeSpan now)
    {
        if (Space.TrySlot(address, out var slot, out _) && _owners.ContainsKey(slot)) _confirmation[slot] = new Confirmation(now, null);
    }

    /// <summary>The audit saw the owner hold it: no need to ask again until <paramref name="until"/> (monotonic).</summary>
    public bool Confirm(string address, string owner, TimeSpan since, TimeSpan until)
    {
        if (!Space.TrySlot(address, out var slot, out _) || !_owners.TryGetValue(slot, out var holder) || holder != owner) return false;
        if (!_confirmation.TryGetValue(slot, out var c) || c.Since != since) return false;
        _confirmation[slot] = c with { ConfirmedUntil = until };
        return true;
    }

    /// <summary>
    /// Holdings nobody confirmed (or whose confirmation ran out) by the monotonic <paramref name="now"/> and that are
    /// older than <paramref name="olderThan"/>, lowest first, after <paramref name="after"/> (a page's last address), at most <paramref name="limit"/>.
    /// </summary>
    public (IReadOnlyList<UnconfirmedHolding> Holdings, bool More) Unconfirmed(TimeSpan now, TimeSpan olderThan, string? after, int limit)
    {
        var page = new List<UnconfirmedHolding>();
        foreach (var (slot, owner) in HeldAfter(after))
        {
            var c = _confirmation.TryGetValue(slot, out var x) ? x : new Confirmation(TimeSpan.Zero, null);
            if (c.ConfirmedUntil is { } until && until > now) continue;
            if (now - c.Since < olderThan) continue;
            if (page.Count == limit) return (page, true);
            page.Add(new UnconfirmedHolding(Space.Format(slot), owner, c.Since));
        }
        return (page, false);
    }

    /// <summary>
    /// Takes back an unconfirmed holding the audit found no owner for, into quarantine (someone may have announced
    /// it). Refused (NotHeld) when someone else holds it now, when it was allocated or touched again since the audit
    /// saw it (<paramref name="since"/>), when it was confirmed meanwhile, or when it is younger than <paramref name="grace"/>.
    /// </summary>
    public (PoolAddressReleased? Event, PoolError? Error) DecideReclaim(
        string address, string owner, TimeSpan since, TimeSpan grace, PoolNow now, TimeSpan quarantineFor)
    {
        if (!Space.TrySlot(address, out var slot, out _) || !_owners.TryGetValue(slot, out var holder) || holder != owner)
            return (null, Error(PoolErrorKind.NotHeld, address, $"{address} is not held by {owner} in pool {Pool.Name}"));
        var c = _confirmation.TryGetValue(slot, out var x) ? x : new Confirmation(TimeSpan.Zero, null);
        if (c.Since != since || c.ConfirmedUntil is { } until && until > now.Monotonic || now.Monotonic - c.Since < grace)
            return (null, Error(PoolErrorKind.NotHeld, address, $"{address} was allocated, touched or confirmed again for {owner} in pool {Pool.Name}"));
        return (Released(slot, owner, quarantine: true, now, quarantineFor), null);
    }

    /// <summary>Every holding, lowest first, after <paramref name="after"/> (a page's last address), at most <paramref name="limit"/>.</summary>
    public (IReadOnlyList<PoolLease> Holdings, bool More) Held(string? after, int limit)
    {
        var page = new List<PoolLease>();
        foreach (var (slot, owner) in HeldAfter(after))
        {
            if (page.Count == limit) return (page, true);
            page.Add(Lease(slot, owner));
        }
        return (page, false);
    }

    /// <summary>Holdings in address order, after the slot of <paramref name="after"/> (a page's last address; null: from the first).</summary>
    private IEnumerable<KeyValuePair<UInt128, string>> HeldAfter(string? after) =>
        after is not null && Space.TrySlot(after, out var start, out _) ? _owners.Where(o => o.Key > start) : _owners;

    /// <summary>Monotonic: since when nobody confirmed the holding, and until when a confirmation holds (null: none).</summary>
    private readonly record struct Confirmation(TimeSpan Since, TimeSpan? ConfirmedUntil);

    /// <summary>Drops quarantines that ended by the monotonic <paramref name="now"/> (nothing to persist: see the class comment).</summary>
    public void ExpireQuarantine(TimeSpan now)
    {
        foreach (var (slot, _) in _quarantine.Where(q => q.Value.EndsAt <= now).ToArray())
        {
            _quarantine.Remove(slot);
            if (!_owners.ContainsKey(slot)) _blocked.Remove(slot);
        }
    }

    /// <summary>Holdings and the quarantines that have not ended by the monotonic <paramref name="now"/>, each with its release time and length.</summary>
    public PoolSnapshot ToSnapshot(TimeSpan now) => new(
        _owners.Select(o => new PoolSnapshotHolding(Space.Format(o.Key), o.Value)).ToArray(),
        _quarantine.Where(q => q.Value.EndsAt > now).OrderBy(q => q.Key)
            .Select(q => new PoolSnapshotQuarantine(Space.Format(q.Key), q.Value.ReleasedAt + q.Value.Length, q.Value.ReleasedAt)).ToArray());

    /// <summary>
    /// As the events would: each quarantine in the snapshot runs its full length again from <paramref name="appliedAt"/>.
    /// A snapshot written before release times were kept has no <see cref="PoolSnapshotQuarantine.ReleasedAt"/>:
    /// <paramref name="lengthIfUnknown"/> (the configured quarantine) stands in for its length.
    /// </summary>
    public static PoolState FromSnapshot(PoolDefinition pool, PoolSnapshot snapshot, TimeSpan appliedAt, TimeSpan lengthIfUnknown)
    {
        var state = new PoolState(pool);
        foreach (var h in snapshot.Held ?? []) state.Apply(new PoolAddressAllocated(h.Address, h.Owner, DateTimeOffset.MinValue), appliedAt);
        foreach (var q in snapshot.Quarantined ?? [])
        {
            var releasedAt = q.ReleasedAt ?? q.Until - lengthIfUnknown;
            state.Apply(new PoolAddressReleased(q.Address, "", releasedAt, q.Until), appliedAt);
        }
        return state;
    }

    /// <summary>Free usable slots, lowest first, lazily (the IPv6 pools are far too large to list).</summary>
    private IEnumerable<UInt128> FreeSlots(TimeSpan now)
    {
        var candidate = Space.FirstUsable;
        var last = Space.LastUsable;
        foreach (var blocked in _blocked.GetViewBetween(candidate, last))
        {
            while (candidate < blocked)
            {
                yield return candidate;
                candidate++;
            }
            // A quarantine that ended is free even before ExpireQuarantine ran.
            if (!_owners.ContainsKey(blocked) && !IsQuarantined(blocked, now, out _)) yield return blocked;
            if (blocked == last) yield break;
            candidate = blocked + 1;
        }
        while (true)
        {
            yield return candidate;
            if (candidate == last) yield break;
            candidate++;
        }
    }

    private bool IsQuarantined(UInt128 slot, TimeSpan now, out Quarantine quarantine) =>
        _quarantine.TryGetValue(slot, out quarantine) && quarantine.EndsAt > now;

    private PoolAddressReleased Released(UInt128 slot, string owner, bool quarantine, PoolNow now, TimeSpan quarantineFor) =>
        new(Space.Format(slot), owner, now.Wall, quarantine && quarantineFor > TimeSpan.Zero ? now.Wall + quarantineFor : null);

    /// <summary><see cref="EndsAt"/> is monotonic; release time and length are kept for the snapshot.</summary>
    private readonly record struct Quarantine(TimeSpan EndsAt, DateTimeOffset ReleasedAt, TimeSpan Length);

    private void Forget(UInt128 slot, string owner)
    {
        _owners.Remove(slot);
        _confirmation.Remove(slot);
        _blocked.Remove(slot);
        if (_byOwner.TryGetValue(owner, out var set) && set.Remove(slot) && set.Count == 0) _byOwner.Remove(owner);
    }

    private PoolLease Lease(UInt128 slot, string owner) => new(Pool.Name, owner, Space.Format(slot));

    private PoolError Error(PoolErrorKind kind, string? address, string message) => new(kind, Pool.Name, message, address);
}
