using System.Collections.Immutable;
using Oakestra.Actors.Contracts.Messaging;
using Oakestra.Actors.Contracts.Serialization;
using Oakestra.Actors.Contracts.Routing;

namespace Oakestra.Actors.Root.Entities.Services;

/// <summary>What a service is, as the SLA described it (immutable for the service's life). Fields after
/// <see cref="ConstraintCluster"/> came later: optional, so services created before them still replay.</summary>
/// <param name="ConstraintNodes">A direct constraint naming several nodes (any of them); null for one or none.</param>
/// <param name="OneShot">An instance that exits 0 is Completed, not placed again.</param>
public sealed record ServiceDescriptor(
    string Id,
    string Application,
    string ApplicationNamespace,
    string Name,
    string Namespace,
    string Virtualization,
    string Code,
    int? Port,
    string? ConstraintNode,
    string? ConstraintCluster,
    IReadOnlyList<string>? Command = null,
    IReadOnlyList<string>? Environment = null,
    IReadOnlyList<ServicePort>? Ports = null,
    IReadOnlyList<string>? ConstraintNodes = null,
    bool OneShot = false,
    Contracts.Protocol.InstanceLimits? Limits = null);

/// <summary>Facts about an instance the Service keeps beside its route, for the API only (no version change).</summary>
public sealed record InstanceDetail(long Epoch, Placement? MigrationTarget, string? LastFailure = null, DateTimeOffset? LastFailureAt = null,
    DateTimeOffset? NextAttemptAt = null);

public interface IServiceEvent : IPersistedMessage;

/// <param name="RequestKey">The <c>Idempotency-Key</c> of the request that created it: the same request sent again
/// (after a timeout or a crash of the root) is answered with this service instead of a conflict.</param>
[PersistedAs("root.service.created")]
public sealed record ServiceCreated(ServiceDescriptor Descriptor, IReadOnlyList<ServiceAddress> Addresses, string? RequestKey = null) : IServiceEvent;

/// <summary>New instances, Pending; their numbers are the next ones and never reused.</summary>
/// <param name="RequestKey">The <c>Idempotency-Key</c> of the request: sent again, it gets these instances, not new ones.</param>
[PersistedAs("root.service.instances-added")]
public sealed record InstancesAdded(IReadOnlyList<InstanceRoute> Instances, string? RequestKey = null) : IServiceEvent;

/// <summary>Which instances one keyed request added (the most recent <see cref="ServiceState.KeptRequests"/> are kept).</summary>
public sealed record KeyedInstanceRequest(string Key, ImmutableList<string> InstanceIds);

/// <summary>An Instance entity reported a new route (status/owner) or new details.</summary>
[PersistedAs("root.service.instance-route-updated")]
public sealed record InstanceRouteUpdated(InstanceRoute Route, InstanceDetail Detail) : IServiceEvent;

[PersistedAs("root.service.instances-removed")]
public sealed record InstancesRemoved(IReadOnlyList<string> InstanceIds) : IServiceEvent;

[PersistedAs("root.service.removed")]
public sealed record ServiceRemoved : IServiceEvent;

/// <summary>An orchestrator's interest, kept across a root restart (path string: refs are not persisted).</summary>
[PersistedAs("root.service.subscriber-added")]
public sealed record SubscriberAdded(string Subscriber, string Path) : IServiceEvent;

[PersistedAs("root.service.subscriber-removed")]
public sealed record SubscriberRemoved(string Subscriber) : IServiceEvent;
