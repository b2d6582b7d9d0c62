using Oakestra.Actors.Contracts.Addressing;

namespace Oakestra.Actors.Contracts.Routing;

// What a worker needs to route to a service: the service's addresses and where its instances run.
// These records travel root → orchestrator → worker inside ServiceRoutes snapshots and ServiceDeltas.

/// <summary><see cref="Completed"/>: a <c>one_shot</c> instance that exited 0 (never placed again); last, so old
/// journals and peers keep their numbers.</summary>
public enum InstanceStatus { Pending, Starting, Running, Migrating, Failed, Stopped, Completed }

/// <summary>One Service IP pair of a service for one balancing policy.</summary>
public sealed record ServiceAddress(string Policy, Ipv4Address? V4, Ipv6Address? V6);

/// <summary>
/// Where one placement (epoch) of an instance runs; <see cref="NetworkNamespace"/> is the node-local netns name (for `oak exec`).
/// <see cref="TunnelPublicKey"/>/<see cref="TunnelSalt"/> (base64): the node's tunnel key and start salt, so a worker of
/// another site, which gets no SitePeers for that node, can still derive the pair keys to reach it.
/// </summary>
public sealed record Placement(
    string Cluster,
    string Node,
    Ipv4Address? NamespaceV4,
    Ipv6Address? NamespaceV6,
    string TunnelEndpoint,
    long Epoch,
    string? NetworkNamespace = null,
    string? TunnelPublicKey = null,
    string? TunnelSalt = null);

/// <summary>
/// One instance as routing sees it. <see cref="Owner"/> is the placement that currently owns the
/// Instance IP (the one new flows go to); null while no placement is Running.
/// </summary>
public sealed record InstanceRoute(
    string InstanceId,
    int Number,
    Ipv4Address InstanceV4,
    Ipv6Address InstanceV6,
    InstanceStatus Status,
    Placement? Owner);

/// <summary>The full routing state of one service at one version.</summary>
public sealed record ServiceRoutes(
    string ServiceId,
    long Version,
    IReadOnlyList<ServiceAddress> Addresses,
    IReadOnlyList<InstanceRoute> Instances,
    bool Deleted = false);
