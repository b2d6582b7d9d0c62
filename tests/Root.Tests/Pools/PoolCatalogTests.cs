using Microsoft.Extensions.Configuration;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Root.Pools;

namespace Oakestra.Actors.Root.Tests.Pools;

public sealed class PoolCatalogTests
{
    [Fact]
    public void Default_pools_follow_the_design_and_the_policy_list()
    {
        var catalog = PoolCatalog.Default();
        var prefixes = catalog.All.ToDictionary(p => p.Name, p => p.Prefix);
        Assert.Equal("10.30.0.0/16", prefixes[PoolNames.ServiceV4]);
        Assert.Equal("fdff::/21", Canonical(prefixes[PoolNames.InstanceV6]));
        Assert.Equal("fdff:1000::/21", prefixes["closest-v6"]);
        Assert.Equal("fdff:2000::/21", prefixes["round_robin-v6"]);
        Assert.Equal("10.18.0.0/16", prefixes[PoolNames.SubnetV4]);
        Assert.Equal("fc00::/64", prefixes[PoolNames.SubnetV6]);
        Assert.Equal(4 + BalancingPolicies.All.Count, catalog.All.Count);
    }

    [Fact]
    public void A_further_policy_gets_the_next_fdff_N000_block_and_prefixes_are_configurable()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Oak:Pools:Prefixes:service-v4"] = "10.40.0.0/24",
        }).Build();
        var catalog = PoolCatalog.FromConfiguration(config, [BalancingPolicies.RoundRobin, BalancingPolicies.Closest, "least_load"]);
        Assert.True(catalog.TryGet("least_load-v6", out var p));
        Assert.Equal("fdff:3000::/21", p.Prefix);
        Assert.True(catalog.TryGet(PoolNames.ServiceV4, out var v4));
        Assert.Equal("10.40.0.0/24", v4.Prefix);
    }

    [Fact]
    public void A_prefix_with_host_bits_is_refused_at_startup()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Oak:Pools:Prefixes:service-v4"] = "10.30.0.1/16",
        }).Build();
        Assert.Throws<FormatException>(() => PoolCatalog.FromConfiguration(config));
    }

    [Theory]
    [InlineData("instance", 4, PoolNames.ServiceV4)]
    [InlineData("round_robin", 4, PoolNames.ServiceV4)]
    [InlineData("instance", 6, PoolNames.InstanceV6)]
    [InlineData("closest", 6, "closest-v6")]
    [InlineData("round_robin", 6, "round_robin-v6")]
    [InlineData("bogus", 6, null)]
    [InlineData("closest", 5, null)]
    public void Api_pool_names_map_to_pools(string api, int version, string? pool) => Assert.Equal(pool, PoolNames.ForApi(api, version));

    private static string Canonical(string prefix) => Oakestra.Actors.Contracts.Addressing.Ipv6Prefix.Parse(prefix).ToString();
}
