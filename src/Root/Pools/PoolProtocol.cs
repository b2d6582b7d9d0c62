using Oakestra.Actors.Contracts.Messaging;

namespace Oakestra.Actors.Root.Pools;

// Messages of the pool entities (sharded by pool name on role `root`). Every command is answered by
// exactly one reply: the success record named below or a PoolError. They cross the wire between root
// processes, hence IClusterMessage (Hyperion); the journal holds PoolEvents instead.

public abstract record PoolCommand(string Pool) : IEntityMessage, IClusterMessage
{
    public string EntityId => Pool;
}

/// <summary>
/// → <see cref="AddressAllocated"/>. <paramref name="Requested"/>: that exact address (validated);
/// <paramref name="ReuseIfHeld"/>: answer with an address the owner already holds instead of a new one.
/// </summary>
public sealed record AllocateAddress(string Pool, string Owner, string? Requested = null, bool ReuseIfHeld = false) : PoolCommand(Pool);

/// <summary>
/// → <see cref="AddressesReleased"/>. With an <paramref name="Owner"/>, only if that owner holds it.
/// <paramref name="Quarantine"/> false is for rolling back an allocation that was never announced.
/// </summary>
public sealed record ReleaseAddress(string Pool, string Address, string? Owner = null, bool Quarantine = true) : PoolCommand(Pool);

/// <summary>→ <see cref="AddressesReleased"/> (possibly empty).</summary>
public sealed record ReleaseOwner(string Pool, string Owner, bool Quarantine = true) : PoolCommand(Pool);

/// <summary>→ <see cref="AddressesPreviewed"/>: the next free ones in allocation order; nothing is reserved.</summary>
public sealed record PreviewAddresses(string Pool, int Count) : PoolCommand(Pool);

/// <summary>→ <see cref="AddressOwner"/> or PoolError NotHeld.</summary>
public sealed record LookupOwner(string Pool, string Address) : PoolCommand(Pool);

/// <summary>→ <see cref="OwnerHoldings"/>.</summary>
public sealed record ListHoldings(string Pool, string Owner) : PoolCommand(Pool);

/// <summary>
/// → <see cref="UnconfirmedHoldings"/>: holdings nobody confirmed that are older than <paramref name="OlderThan"/>,
/// lowest first, after <paramref name="After"/> (the previous page's last address), at most <paramref name="Limit"/>.
/// </summary>
public sealed record ListUnconfirmed(string Pool, TimeSpan OlderThan, string? After, int Limit) : PoolCommand(Pool);

/// <summary>→ <see cref="HoldingsConfirmed"/>: their owners hold them; not listed again for <paramref name="For"/> (in memory only).</summary>
public sealed record ConfirmHoldings(string Pool, IReadOnlyList<UnconfirmedHolding> Holdings, TimeSpan For) : PoolCommand(Pool);

/// <summary>
/// → <see cref="AddressesReleased"/> (into quarantine) or PoolError NotHeld when the holding changed since it was listed
/// (allocated or touched again, confirmed) or is younger than <paramref name="Grace"/>.
/// </summary>
public sealed record ReclaimAddress(string Pool, UnconfirmedHolding Holding, TimeSpan Grace) : PoolCommand(Pool);

/// <summary>One holding as the audit sees it; <paramref name="Since"/> is the pool's monotonic moment it was last allocated or touched.</summary>
public sealed record UnconfirmedHolding(string Address, string Owner, TimeSpan Since);

public sealed record UnconfirmedHoldings(string Pool, IReadOnlyList<UnconfirmedHolding> Holdings, bool More) : IClusterMessage;

public sealed record HoldingsConfirmed(string Pool, int Count) : IClusterMessage;

/// <summary>→ <see cref="HeldAddresses"/>: every holding, lowest first, after <paramref name="After"/>, at most <paramref name="Limit"/>.</summary>
public sealed record ListHeld(string Pool, string? After, int Limit) : PoolCommand(Pool);

public sealed record HeldAddresses(string Pool, IReadOnlyList<PoolLease> Holdings, bool More) : IClusterMessage;

public sealed record AddressAllocated(PoolLease Lease, bool Reused) : IClusterMessage;

public sealed record AddressesReleased(string Pool, IReadOnlyList<PoolLease> Leases) : IClusterMessage;

public sealed record AddressesPreviewed(string Pool, IReadOnlyList<string> Addresses) : IClusterMessage;

public sealed record AddressOwner(PoolLease Lease) : IClusterMessage;

public sealed record OwnerHoldings(string Pool, string Owner, IReadOnlyList<PoolLease> Leases) : IClusterMessage;
