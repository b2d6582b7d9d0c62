using System.Net.Sockets;
using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Routing;

namespace Oakestra.Actors.Root.Api.Sla;

/// <summary>
/// The SLA's <c>addresses</c> fields: which balancing policy and IP version each asks for, and the
/// range it must lie in. Only the range is checked here; whether the address is free is the pools' call.
/// </summary>
public sealed record RequestedAddressField(string Field, string Policy, AddressFamily Family);

public static class RequestedAddressFields
{
    public static readonly IReadOnlyList<RequestedAddressField> All =
    [
        new("rr_ip", BalancingPolicies.RoundRobin, AddressFamily.InterNetwork),
        new("rr_ip_v6", BalancingPolicies.RoundRobin, AddressFamily.InterNetworkV6),
        new("closest_ip", BalancingPolicies.Closest, AddressFamily.InterNetwork),
        new("closest_ip_v6", BalancingPolicies.Closest, AddressFamily.InterNetworkV6),
    ];

    public static RequestedAddressField? Find(string field) => All.FirstOrDefault(f => f.Field == field);
}

/// <summary>The ranges requested Service IPs must lie in (the defaults of docs/DESIGN.md §2; configurable).</summary>
public sealed record SlaAddressRanges(Ipv4Prefix ServiceV4, IReadOnlyDictionary<string, Ipv6Prefix> ServiceV6ByPolicy)
{
    public static readonly SlaAddressRanges Default = new(
        Ipv4Prefix.Parse("10.30.0.0/16"),
        new Dictionary<string, Ipv6Prefix>
        {
            [BalancingPolicies.RoundRobin] = Ipv6Prefix.Parse("fdff:2000::/21"),
            [BalancingPolicies.Closest] = Ipv6Prefix.Parse("fdff:1000::/21"),
        });
}

public static class SlaAddressRangesFromPools
{
    /// <summary>The ranges as the pools are configured, so the SLA check and the pools never disagree.</summary>
    public static SlaAddressRanges From(Pools.PoolCatalog catalog)
    {
        var v4 = catalog.TryGet(Pools.PoolNames.ServiceV4, out var p4) ? Ipv4Prefix.Parse(p4.Prefix) : SlaAddressRanges.Default.ServiceV4;
        var v6 = new Dictionary<string, Ipv6Prefix>();
        foreach (var policy in BalancingPolicies.All)
            if (catalog.TryGet(Pools.PoolNames.PolicyV6(policy), out var p6)) v6[policy] = Ipv6Prefix.Parse(p6.Prefix);
        return new SlaAddressRanges(v4, v6);
    }
}
