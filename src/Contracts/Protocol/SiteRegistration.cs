using Akka.Actor;
using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Messaging;

namespace Oakestra.Actors.Contracts.Protocol;

// Orchestrators register their edge site at the root; workers register at their site's orchestrator,
// which obtains the worker's subnets from the root's pools. Subnets are keyed by (site, node), so a
// restart of either side gets the same subnets back.

/// <summary>Orchestrator → root. Idempotent; repeated after a root restart.</summary>
public sealed record RegisterSite(string Site, IActorRef Orchestrator) : IClusterMessage;

/// <summary>Root → orchestrator.</summary>
public sealed record SiteRegistered(string Site) : IClusterMessage;

/// <summary>
/// Worker → its orchestrator. Idempotent; repeated after either side restarts. <see cref="SubnetV4"/>/<see cref="SubnetV6"/>:
/// the subnets the worker already runs on (a restarted worker or ActorSystem), so that an orchestrator can accept it
/// while the root tier is out of reach; the root's answer for the (site, node) is the same subnets.
/// <see cref="TunnelPublicKey"/>/<see cref="TunnelSalt"/> (base64): the worker's tunnel key and the salt of this
/// process start, passed on to its peers in <see cref="SitePeers"/>.
/// </summary>
public sealed record RegisterWorker(
    string Site, string Node, string TunnelEndpoint, double Latitude, double Longitude, IActorRef Worker,
    Ipv4Prefix? SubnetV4 = null, Ipv6Prefix? SubnetV6 = null, string? TunnelPublicKey = null, string? TunnelSalt = null) : IClusterMessage;

/// <summary>Orchestrator → root: subnets for a worker (the same ones again for a known worker).</summary>
public sealed record AssignWorkerSubnets(
    string Site, string Node, string TunnelEndpoint, double Latitude, double Longitude) : IClusterMessage;

/// <summary>
/// Root → orchestrator, orchestrator → worker. <see cref="TunnelEndpoint"/> (orchestrator → worker): the address the
/// site knows the worker by, its registered endpoint or the address that name resolved to at registration; the worker
/// names it in its placements. Null from the root.
/// </summary>
public sealed record WorkerSubnetsAssigned(string Site, string Node, Ipv4Prefix SubnetV4, Ipv6Prefix SubnetV6, string? TunnelEndpoint = null) : IClusterMessage;

/// <summary>
/// Root → orchestrator → worker when subnets cannot be assigned (pool exhausted); orchestrator → worker when its
/// tunnel endpoint is no address and does not resolve (the reason names the endpoint).
/// </summary>
public sealed record WorkerRegistrationRefused(string Site, string Node, string Reason) : IClusterMessage;

/// <summary>
/// Orchestrator → root: the registration of a worker was refused at its site (its tunnel endpoint: <see cref="Reason"/>
/// names it), for `oak nodes`. Sent again while the worker keeps trying; the root forgets it when the worker registers
/// or stops trying.
/// </summary>
public sealed record WorkerRefused(string Site, string Node, string TunnelEndpoint, string Reason) : IClusterMessage;

/// <summary>Anyone → root (via the API for `oak lab place`) → orchestrator → worker: new coordinates for Closest.</summary>
public sealed record UpdateWorkerLocation(string Site, string Node, double Latitude, double Longitude) : IClusterMessage;

public enum WorkerState { Up, Unreachable, Down }

/// <summary>Orchestrator → root: a worker's membership state changed (for the node list and rescheduling).</summary>
public sealed record WorkerStateChanged(string Site, string Node, WorkerState State) : IClusterMessage;
