using Akka.Actor;
using Oakestra.Actors.Contracts.Messaging;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;

namespace Oakestra.Actors.Root.Entities.Services;

// Commands the root's own parts (control plane, Instance entities, directory) send to a Service entity.
// Marked IClusterMessage: with several root processes the entity may live in another one.

public interface IServiceCommand : IEntityMessage, IClusterMessage
{
    string ServiceId { get; }
    string IEntityMessage.EntityId => ServiceId;
}

/// <summary>
/// Asked before any address is allocated for a new service: the one caller answered
/// <see cref="ServiceIdReserved"/> may create it; every other one is answered <see cref="ServiceAlreadyExists"/>
/// and touches no pool. Address owners are named after the service id, so a loser that allocated too would
/// get the winner's addresses back and, rolling back, release them. Held in memory for
/// <see cref="ServiceActor.ReservationLifetime"/>: a caller that crashed in between blocks nobody for long.
/// </summary>
public sealed record ReserveServiceId(string ServiceId, string Claimant) : IServiceCommand;

/// <summary>The caller gives up (a later spec of its document failed).</summary>
public sealed record ReleaseServiceId(string ServiceId, string Claimant) : IServiceCommand;

/// <summary>
/// Addresses are allocated by the caller, so a rejected document can roll them back as one. Accepted only from the
/// <paramref name="Claimant"/> holding the id's live reservation; <see cref="ServiceReservationLost"/> when it ran out.
/// </summary>
public sealed record CreateService(ServiceDescriptor Descriptor, IReadOnlyList<ServiceAddress> Addresses, string? Claimant = null) : IServiceCommand
{
    public string ServiceId => Descriptor.Id;
}

public sealed record GetService(string ServiceId) : IServiceCommand;

/// <summary>The address audit → Service: make sure every instance not running has its entity and is awake; answered with <see cref="ServiceInfo"/> also when the service does not exist.</summary>
public sealed record EnsureServiceInstances(string ServiceId) : IServiceCommand;

/// <summary>
/// <see cref="Count"/> new instances, placed on <see cref="Node"/> when given. The Service allocates their
/// Instance IPs itself (it alone knows their ids); a pool error is answered as <c>PoolError</c> and
/// nothing is created.
/// </summary>
/// <param name="RequestKey">The request's <c>Idempotency-Key</c>: a key already seen is answered with the instances it added.</param>
public sealed record AddInstances(string ServiceId, int Count, string? Node, string? RequestKey = null) : IServiceCommand;

/// <summary>Undeploys the highest-numbered instances until <see cref="Replicas"/> remain.</summary>
public sealed record ScaleDown(string ServiceId, int Replicas) : IServiceCommand;

public sealed record DeleteService(string ServiceId) : IServiceCommand;

/// <summary>Instance entity → its Service; answered with <see cref="InstanceRouteAck"/>.</summary>
public sealed record ReportInstanceRoute(string ServiceId, InstanceRoute Route, InstanceDetail Detail, long Token = 0) : IServiceCommand;

/// <summary>Instance entity → its Service after an undeploy; answered with <see cref="InstanceRouteAck"/>.</summary>
public sealed record ReportInstanceGone(string ServiceId, string InstanceId) : IServiceCommand;

/// <summary>Directory → Service: resolve for an orchestrator and register its interest.</summary>
public sealed record ResolveForSite(string ServiceId, ResolveRoute Query) : IServiceCommand;

/// <summary>
/// Directory → Service: <see cref="Site"/> holds this service at <see cref="SiteVersion"/> (from its digest). The
/// entity subscribes the site again if it lost the subscription, and sends its snapshot when the versions differ.
/// </summary>
public sealed record SyncSite(string ServiceId, string Site, IActorRef Orchestrator, long SiteVersion) : IServiceCommand;

/// <summary>Contract messages that address a Service by id, wrapped for the entity extractor.</summary>
public sealed record ServiceEnvelope(string ServiceId, object Message) : IServiceCommand;

// Replies.

public sealed record ServiceInfo(ServiceState State) : IClusterMessage;

public sealed record ServiceNotFound(string ServiceId) : IClusterMessage;

public sealed record ServiceAlreadyExists(string ServiceId) : IClusterMessage;

/// <summary>A <see cref="CreateService"/> came after its reservation ran out: nothing was created.</summary>
public sealed record ServiceReservationLost(string ServiceId) : IClusterMessage;

public sealed record ServiceIdReserved(string ServiceId, string Claimant) : IClusterMessage;

public sealed record InstancesCreated(ServiceState State, IReadOnlyList<InstanceRoute> Instances) : IClusterMessage;

/// <summary>The Service has applied (and pushed) an instance's change at <see cref="Version"/>.</summary>
public sealed record InstanceRouteAck(string InstanceId, long Version, long Token = 0) : IClusterMessage;
