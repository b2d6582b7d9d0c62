using System.Net;
using Oakestra.Actors.DataPlane.Addressing;
using Oakestra.Actors.DataPlane.Balancing;

namespace Oakestra.Actors.DataPlane.Routing;

/// <summary>A point on Earth in degrees, for the Closest policy's geography tie-break.</summary>
public readonly record struct GeoPoint(double Latitude, double Longitude);

/// <summary>
/// Plain description of everything the data plane of one worker node needs to know; the packet-path
/// actor builds one and compiles it with <see cref="RouteSnapshot.Compile"/>. Nothing here is used on the
/// packet path directly.
/// </summary>
/// <param name="Version">Monotonic; a newer snapshot must carry a larger version (misses wait for it).</param>
/// <param name="Peers">Other worker nodes. A peer's index in this list is its tunnel peer index: keep indices
/// stable across versions (append, never reorder; a gone peer may stay as a tombstone entry).</param>
/// <param name="LocalInstances">Instances running on this node (their Namespace IPs are the only ones the node rewrites to).</param>
/// <param name="Services">Services this node may talk to: their Service IPs and all their known instances.</param>
public sealed record RouteTableSpec(
    long Version,
    GeoPoint? NodeLocation,
    IReadOnlyList<PeerSpec> Peers,
    IReadOnlyList<LocalInstanceSpec> LocalInstances,
    IReadOnlyList<ServiceSpec> Services)
{
    /// <summary>Destinations read from the TUN outside these ranges are dropped as not-service.</summary>
    public IReadOnlyList<IpPrefix> ServiceRanges { get; init; } = DefaultServiceRanges;

    /// <summary>Service + Instance IPv4 <c>10.30.0.0/16</c> and every <c>fdff::/16</c> pool (docs/DESIGN.md §2).</summary>
    public static readonly IReadOnlyList<IpPrefix> DefaultServiceRanges = [IpPrefix.Parse("10.30.0.0/16"), IpPrefix.Parse("fdff::/16")];
}

/// <summary>Another worker node: where its tunnel listens, where it stands, how far it is (null = not measured).</summary>
public sealed record PeerSpec(IPEndPoint TunnelEndpoint, GeoPoint? Location = null, TimeSpan? Rtt = null);

/// <summary>An instance on this node. Either family may be absent (null) but each present family needs both addresses.</summary>
public sealed record LocalInstanceSpec(
    string ServiceId,
    IPAddress? InstanceIPv4,
    IPAddress? InstanceIPv6,
    IPAddress? NamespaceIPv4,
    IPAddress? NamespaceIPv6);

/// <summary>A service: one address per balancing policy and family, and its instances wherever they run.</summary>
public sealed record ServiceSpec(string ServiceId, IReadOnlyList<ServiceAddressSpec> Addresses, IReadOnlyList<InstanceSpec> Instances);

/// <summary>One Service IP and the policy it stands for.</summary>
public sealed record ServiceAddressSpec(IPAddress Address, BalancingPolicyId Policy);

/// <summary>
/// An instance of a service as seen by this node: its Instance IPs and where it runs. A local instance
/// (<see cref="IsLocal"/>) must also appear in <see cref="RouteTableSpec.LocalInstances"/> with the same Instance IPs.
/// </summary>
public sealed record InstanceSpec(IPAddress? InstanceIPv4, IPAddress? InstanceIPv6, int PeerIndex)
{
    public const int Local = -1;
    public bool IsLocal => PeerIndex == Local;
}
