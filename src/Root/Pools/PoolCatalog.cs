using Microsoft.Extensions.Configuration;
using Oakestra.Actors.Contracts.Routing;

namespace Oakestra.Actors.Root.Pools;

public enum PoolKind { AddressV4, AddressV6, SubnetV4, SubnetV6 }

/// <summary>One configured pool: its name, shape and prefix (and, for subnet pools, the subnet length).</summary>
public sealed record PoolDefinition(string Name, PoolKind Kind, string Prefix, int UnitLength)
{
    private PoolSpace? _space;
    public PoolSpace Space => _space ??= PoolSpace.Create(Kind, Prefix, UnitLength);
}

/// <summary>Pool-wide settings (Oak:Pools:*).</summary>
public sealed record PoolSettings(TimeSpan Quarantine, int SnapshotEvery, TimeSpan AskTimeout)
{
    public static readonly PoolSettings Default = new(TimeSpan.FromSeconds(60), 100, TimeSpan.FromSeconds(10));

    public static PoolSettings FromConfiguration(IConfiguration configuration)
    {
        var s = configuration.GetSection("Oak:Pools");
        return new PoolSettings(
            double.TryParse(s["QuarantineSeconds"], System.Globalization.CultureInfo.InvariantCulture, out var q) ? TimeSpan.FromSeconds(q) : Default.Quarantine,
            int.TryParse(s["SnapshotEvery"], out var n) && n > 0 ? n : Default.SnapshotEvery,
            double.TryParse(s["AskTimeoutSeconds"], System.Globalization.CultureInfo.InvariantCulture, out var t) ? TimeSpan.FromSeconds(t) : Default.AskTimeout);
    }
}

/// <summary>
/// The configured pools. Defaults are docs/DESIGN.md §2; any prefix can be overridden with
/// Oak:Pools:Prefixes:&lt;pool name&gt; (e.g. Oak:Pools:Prefixes:service-v4 = 10.30.0.0/16), the subnet
/// sizes with Oak:Pools:SubnetV4Length / SubnetV6Length. One IPv6 pool per policy of
/// <see cref="BalancingPolicies.All"/>: closest = fdff:1000::/21, round_robin = fdff:2000::/21, and every
/// further policy the next free fdff:N000::/21 in list order.
/// </summary>
public sealed class PoolCatalog
{
    private readonly Dictionary<string, PoolDefinition> _pools;

    public PoolCatalog(IEnumerable<PoolDefinition> pools)
    {
        _pools = pools.ToDictionary(p => p.Name, StringComparer.Ordinal);
        foreach (var p in _pools.Values) _ = p.Space; // validates every prefix at startup
    }

    public IReadOnlyCollection<PoolDefinition> All => _pools.Values;

    public bool TryGet(string name, out PoolDefinition pool) => _pools.TryGetValue(name, out pool!);

    /// <summary>The pools of single addresses (Service and Instance IPs), not the workers' subnet pools.</summary>
    public IEnumerable<PoolDefinition> AddressPools => _pools.Values.Where(p => p.Kind is PoolKind.AddressV4 or PoolKind.AddressV6);

    /// <summary>The address pool (not subnet pool) whose prefix contains <paramref name="address"/>.</summary>
    public PoolDefinition? AddressPoolContaining(System.Net.IPAddress address) =>
        AddressPools
            .FirstOrDefault(p => p.Space.TrySlot(address.ToString(), out _, out var e) || e is PoolErrorKind.Reserved);

    public static PoolCatalog Default() => FromConfiguration(new ConfigurationBuilder().Build());

    public static PoolCatalog FromConfiguration(IConfiguration configuration, IReadOnlyList<string>? policies = null)
    {
        var s = configuration.GetSection("Oak:Pools");
        var prefixes = s.GetSection("Prefixes");
        string Prefix(string name, string fallback) => prefixes[name] is { Length: > 0 } p ? p : fallback;
        var v4Len = int.TryParse(s["SubnetV4Length"], out var a) ? a : 26;
        var v6Len = int.TryParse(s["SubnetV6Length"], out var b) ? b : 120;

        var list = new List<PoolDefinition>
        {
            new(PoolNames.ServiceV4, PoolKind.AddressV4, Prefix(PoolNames.ServiceV4, "10.30.0.0/16"), 32),
            new(PoolNames.InstanceV6, PoolKind.AddressV6, Prefix(PoolNames.InstanceV6, "fdff:0000::/21"), 128),
            new(PoolNames.SubnetV4, PoolKind.SubnetV4, Prefix(PoolNames.SubnetV4, "10.18.0.0/16"), v4Len),
            new(PoolNames.SubnetV6, PoolKind.SubnetV6, Prefix(PoolNames.SubnetV6, "fc00::/64"), v6Len),
        };
        foreach (var (policy, n) in PolicyBlocks(policies ?? BalancingPolicies.All))
        {
            var name = PoolNames.PolicyV6(policy);
            list.Add(new PoolDefinition(name, PoolKind.AddressV6, Prefix(name, $"fdff:{n:x}000::/21"), 128));
        }
        return new PoolCatalog(list);
    }

    /// <summary>fdff:N000::/21 block number per policy: the reference's two fixed, the rest in order.</summary>
    private static IEnumerable<(string Policy, int Block)> PolicyBlocks(IReadOnlyList<string> policies)
    {
        var fixedBlocks = new Dictionary<string, int> { [BalancingPolicies.Closest] = 1, [BalancingPolicies.RoundRobin] = 2 };
        var next = 3;
        foreach (var p in policies)
        {
            if (fixedBlocks.TryGetValue(p, out var n)) yield return (p, n);
            else if (next <= 0xf) yield return (p, next++);
            else throw new InvalidOperationException($"no fdff:N000::/21 block left for policy {p}: configure Oak:Pools:Prefixes:{PoolNames.PolicyV6(p)}");
        }
    }
}
