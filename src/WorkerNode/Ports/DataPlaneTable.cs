using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Routing;

namespace Oakestra.Actors.WorkerNode.Ports;

/// <summary>
/// Everything the packet path needs, compiled by the packet-path actor from the route table, the local
/// instances, the peers, their RTTs and coordinates. Immutable; <see cref="Version"/> grows with every publish.
/// </summary>
public sealed record DataPlaneTable(
    long Version,
    string Site,
    string Node,
    double Latitude,
    double Longitude,
    IReadOnlyList<LocalInstanceEntry> LocalInstances,
    IReadOnlyList<ServiceEntry> Services,
    IReadOnlyList<PeerEntry> Peers);

/// <summary>
/// A placement running on this node: packets from its Namespace IP leave with its Instance IP (anti-spoofing:
/// nothing else may send); packets for its Instance IP arrive at its Namespace IP. A draining placement
/// still receives its open flows; new flows from other nodes go to the routes' owner, but new flows from
/// clients on this node still reach the draining placement until its drain ends (see InstanceRouting: a known
/// gap to DESIGN's "new flows go to the new one", found by the live lab).
/// </summary>
public sealed record LocalInstanceEntry(
    string InstanceId, string ServiceId, Ipv4Address InstanceV4, Ipv6Address InstanceV6,
    Ipv4Address NamespaceV4, Ipv6Address NamespaceV6, long Epoch, bool Draining);

/// <summary>One service: its Service IPs per policy and its instances' current owners, at the service's version.</summary>
public sealed record ServiceEntry(string ServiceId, long Version, IReadOnlyList<ServiceAddress> Addresses, IReadOnlyList<InstanceTarget> Instances);

/// <summary>
/// Where an instance's Instance IP leads now. <see cref="Node"/> null: no running placement (packets to it are
/// dropped, no table query). <see cref="Local"/>: on this node (the local entry has the Namespace IPs);
/// otherwise through the tunnel to <see cref="TunnelEndpoint"/>. Coordinates and RTT of the owner's node feed Closest.
/// </summary>
public sealed record InstanceTarget(
    string InstanceId, Ipv4Address InstanceV4, Ipv6Address InstanceV6, InstanceStatus Status,
    string? Site, string? Node, long Epoch, bool Local, string? TunnelEndpoint,
    double? Latitude, double? Longitude, TimeSpan? Rtt);

/// <summary>A worker node the tunnel accepts packets from and sends to, with its tunnel key and start salt (base64) when known.</summary>
public sealed record PeerEntry(string Site, string Node, string TunnelEndpoint, double? Latitude, double? Longitude, TimeSpan? Rtt,
    string? TunnelPublicKey = null, string? TunnelSalt = null);
