using Oakestra.Actors.Contracts.Messaging;
using Oakestra.Actors.Contracts.Routing;

namespace Oakestra.Actors.Root.Entities.Services;

/// <summary>What a service is, as the SLA described it (immutable for the service's life).</summary>
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
    string? ConstraintCluster);

/// <summary>Facts about an instance the Service keeps beside its route, for the API only (no version change).</summary>
public sealed record InstanceDetail(long Epoch, Placement? MigrationTarget);

public interface IServiceEvent : IPersistedMessage;

public sealed record ServiceCreated(ServiceDescriptor Descriptor, IReadOnlyList<ServiceAddress> Addresses) : IServiceEvent;

/// <summary>New instances, Pending; their numbers are the next ones and never reused.</summary>
public sealed record InstancesAdded(IReadOnlyList<InstanceRoute> Instances) : IServiceEvent;

/// <summary>An Instance entity reported a new route (status/owner) or new details.</summary>
public sealed record InstanceRouteUpdated(InstanceRoute Route, InstanceDetail Detail) : IServiceEvent;

public sealed record InstancesRemoved(IReadOnlyList<string> InstanceIds) : IServiceEvent;

public sealed record ServiceRemoved : IServiceEvent;

/// <summary>An orchestrator's interest, kept across a root restart (path string: refs are not persisted).</summary>
public sealed record SubscriberAdded(string Subscriber, string Path) : IServiceEvent;

public sealed record SubscriberRemoved(string Subscriber) : IServiceEvent;
