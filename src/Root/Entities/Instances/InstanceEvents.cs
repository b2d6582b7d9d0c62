using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Messaging;
using Oakestra.Actors.Contracts.Serialization;
using Oakestra.Actors.Contracts.Routing;

namespace Oakestra.Actors.Root.Entities.Instances;

public interface IInstanceEvent : IPersistedMessage;

/// <summary>The fields after <see cref="Environment"/> came later: optional, so older journals still replay.</summary>
[PersistedAs("root.instance.created")]
public sealed record InstanceCreated(
    string ServiceId, int Number, Ipv4Address InstanceV4, Ipv6Address InstanceV6,
    string Code, int? Port, string? Node, string? Cluster,
    string Virtualization = "process", IReadOnlyList<string>? Command = null, IReadOnlyList<string>? Environment = null,
    IReadOnlyList<string>? Nodes = null, bool OneShot = false, Contracts.Protocol.InstanceLimits? Limits = null) : IInstanceEvent;

/// <summary>A new epoch was handed to <see cref="Site"/> (a first placement, a re-placement or a migration target).</summary>
[PersistedAs("root.instance.placement-requested")]
public sealed record PlacementRequested(string Site, string? Node, long Epoch, bool Migration) : IInstanceEvent;

/// <summary>No site can take the instance now; the site registry wakes it when one can.</summary>
[PersistedAs("root.instance.placement-deferred")]
public sealed record PlacementDeferred(string Reason) : IInstanceEvent;

/// <summary>A report of a current epoch, accepted (stale reports are never persisted).</summary>
[PersistedAs("root.instance.status-accepted")]
public sealed record StatusAccepted(long Epoch, InstanceStatus Status, Placement? Placement, string? Detail, DateTimeOffset? At = null) : IInstanceEvent;

/// <summary>The placement left behind by a migration was told to drain and stop.</summary>
[PersistedAs("root.instance.old-placement-stopped")]
public sealed record OldPlacementStopped(long Epoch) : IInstanceEvent;

[PersistedAs("root.instance.undeployed")]
public sealed record InstanceUndeployed : IInstanceEvent;
