using System.Collections.Immutable;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.WorkerNode.Ports;

namespace Oakestra.Actors.WorkerNode.Actors;

// Messages between the actors of one worker node (never cross the process).

/// <summary>Worker agent → route table and packet path: the placements running (or draining) here.</summary>
public sealed record LocalInstancesChanged(IReadOnlyList<LocalInstanceEntry> Instances);

/// <summary>Route table → packet path: the services held, each at its version.</summary>
public sealed record RoutesChanged(ImmutableDictionary<string, ServiceRoutes> Services);

/// <summary>Packet path → route table: destinations the data plane has no entry for.</summary>
public sealed record TableMisses(IReadOnlyList<RouteKey> Addresses);

/// <summary>Packet path → route table: destinations that carried traffic.</summary>
public sealed record TableUsage(IReadOnlyList<RouteKey> Addresses);

/// <summary>Worker agent → route table: add the versions of the services held and send the digest to the orchestrator.</summary>
public sealed record ComposeDigest(string Site, string Node, Akka.Actor.IActorRef Worker, IReadOnlyList<PlacementDigest> Placements,
    long? PeersVersion = null);

/// <summary>
/// Packet path → worker agent: the version of the site's peer set it holds now (for the digest), and whether it needs
/// the snapshot (a delta that did not follow it): the agent asks its orchestrator.
/// </summary>
public sealed record PeersHeld(long? Version, bool NeedSnapshot);

/// <summary>Worker agent → route table: (re)registered with an orchestrator that may have lost our interests.</summary>
public sealed record ResyncInterests
{
    public static readonly ResyncInterests Instance = new();
}
