using Akka.Actor;
using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Messaging;
using Oakestra.Actors.Contracts.Routing;

namespace Oakestra.Actors.Contracts.Protocol;

// Table queries and interests, hierarchical: worker → orchestrator → root. A query registers the
// interest on the way; deltas then flow down the same tree (root → interested orchestrators →
// interested workers). Interests expire bottom-up.

/// <summary>A Service IP or an Instance IP, v4 or v6 (exactly one of the two is set).</summary>
public sealed record RouteKey(Ipv4Address? V4, Ipv6Address? V6)
{
    public override string ToString() => V4?.ToString() ?? V6?.ToString() ?? "?";
}

/// <summary>Worker → orchestrator: which service owns this address? Registers the worker's interest.</summary>
public sealed record QueryRoute(string Node, RouteKey Address) : IClusterMessage;

/// <summary>Orchestrator → root: resolve and subscribe the site (registers the orchestrator's interest).</summary>
public sealed record ResolveRoute(string Site, IActorRef Orchestrator, RouteKey Address) : IClusterMessage;

/// <summary>Answer to QueryRoute/ResolveRoute: the service that owns the address, as a full snapshot.</summary>
public sealed record RouteFound(RouteKey Address, ServiceRoutes Routes) : IClusterMessage;

/// <summary>Answer when no service owns the address (the worker drops its queued packets).</summary>
public sealed record RouteNotFound(RouteKey Address) : IClusterMessage;

/// <summary>Worker → orchestrator, orchestrator → root: keep me informed of this service (e.g. a local instance's).</summary>
public sealed record SubscribeService(string ServiceId, string Subscriber, IActorRef SubscriberRef) : IClusterMessage;

/// <summary>Worker → orchestrator, orchestrator → root: interest expired.</summary>
public sealed record UnsubscribeService(string ServiceId, string Subscriber) : IClusterMessage;

/// <summary>Receiver of a delta with a version gap → sender: send the full snapshot (answered with ServiceRoutesSnapshot).</summary>
public sealed record RequestServiceSnapshot(string ServiceId, string Subscriber, IActorRef SubscriberRef) : IClusterMessage;

/// <summary>A full snapshot pushed down the tree (after a gap, or on subscription).</summary>
public sealed record ServiceRoutesSnapshot(ServiceRoutes Routes) : IClusterMessage;
