using Microsoft.Extensions.Configuration;
using Oakestra.Actors.Root.Pools;

namespace Oakestra.Actors.Root.Tests.Pools;

/// <summary>The default pools plus tiny ones for exhaustion tests.</summary>
public static class TestPools
{
    public const string TinyV4 = "tiny-v4";   // 10.99.0.0/30: .1 and .2 usable
    public const string TinyV6 = "tiny-v6";   // fdff:f000::/126: ::1..::3 usable

    public static PoolCatalog Catalog(IConfiguration? configuration = null) => new(
        PoolCatalog.FromConfiguration(configuration ?? new ConfigurationBuilder().Build()).All.Concat(
        [
            new PoolDefinition(TinyV4, PoolKind.AddressV4, "10.99.0.0/30", 32),
            new PoolDefinition(TinyV6, PoolKind.AddressV6, "fdff:f000::/126", 128),
        ]));
}
