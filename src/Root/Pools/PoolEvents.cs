using Oakestra.Actors.Contracts.Messaging;
using Oakestra.Actors.Contracts.Serialization;

namespace Oakestra.Actors.Root.Pools;

// Journal of one pool (persistence id "pool-<name>"), JSON via OakJsonSerializer. Addresses are stored as
// text so a row stays readable by humans and by any later slot numbering.

[PersistedAs("pool-allocated")]
public sealed record PoolAddressAllocated(string Address, string Owner, DateTimeOffset At) : IPersistedMessage;

/// <summary>
/// <see cref="QuarantinedUntil"/> − <see cref="At"/> is the quarantine's length (both one wall-clock reading), so a
/// quarantine survives restarts; null = free at once. Expiry is decided on the monotonic clock (see <see cref="PoolState"/>).
/// </summary>
[PersistedAs("pool-released")]
public sealed record PoolAddressReleased(string Address, string Owner, DateTimeOffset At, DateTimeOffset? QuarantinedUntil) : IPersistedMessage;

[PersistedAs("pool-snapshot")]
public sealed record PoolSnapshot(IReadOnlyList<PoolSnapshotHolding> Held, IReadOnlyList<PoolSnapshotQuarantine> Quarantined) : IPersistedMessage;

public sealed record PoolSnapshotHolding(string Address, string Owner);

/// <summary><see cref="ReleasedAt"/>: absent in snapshots written before quarantine ran on the monotonic clock.</summary>
public sealed record PoolSnapshotQuarantine(string Address, DateTimeOffset Until, DateTimeOffset? ReleasedAt = null);
