using Oakestra.Actors.Contracts.Routing;

namespace Oakestra.Actors.Root.Pools;

/// <summary>Names of the address pools (docs/DESIGN.md §2). The policy pools follow <see cref="BalancingPolicies.All"/>.</summary>
public static class PoolNames
{
    /// <summary>Every IPv4 Service IP (all policies) and every Instance IPv4: one pool, as the reference.</summary>
    public const string ServiceV4 = "service-v4";

    public const string InstanceV6 = "instance-v6";

    /// <summary>/26 per worker out of 10.18.0.0/16.</summary>
    public const string SubnetV4 = "subnet-v4";

    /// <summary>/120 per worker out of fc00::/64.</summary>
    public const string SubnetV6 = "subnet-v6";

    /// <summary>The IPv6 Service IP pool of one balancing policy: "round_robin-v6", "closest-v6", …</summary>
    public static string PolicyV6(string policy) => $"{policy}-v6";

    /// <summary>
    /// The pool behind the API's preview query (`pool=instance|round_robin|closest`, `v=4|6`); null when unknown.
    /// IPv4 is always <see cref="ServiceV4"/> because every policy shares it.
    /// </summary>
    public static string? ForApi(string pool, int ipVersion) => (pool, ipVersion) switch
    {
        (_, 4) when pool == "instance" || BalancingPolicies.All.Contains(pool) => ServiceV4,
        ("instance", 6) => InstanceV6,
        (_, 6) when BalancingPolicies.All.Contains(pool) => PolicyV6(pool),
        _ => null,
    };
}
