using Akka.Cluster.Hosting;
using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Oakestra.Actors.Contracts.Hosting;

namespace Oakestra.Actors.Root.Pools;

/// <summary>
/// Wiring of the pools into the root:
/// <code>
/// builder.Services.AddAddressPools(builder.Configuration);
/// builder.Services.AddOakestraCluster(builder.Configuration, OakestraRoles.Root, (akka, sp) => akka
///     .WithOakestraPersistence(builder.Configuration)
///     .WithAddressPools(sp));
/// // then inject AddressPools anywhere
/// </code>
/// </summary>
public static class AddressPoolsHosting
{
    /// <summary>The shard region's type name (one region for all pools; entity id = pool name).</summary>
    public const string RegionName = "address-pool";

    /// <summary>DI: <see cref="PoolCatalog"/>, <see cref="PoolSettings"/>, <see cref="TimeProvider"/> (system clock unless one is registered) and the <see cref="AddressPools"/> facade.</summary>
    public static IServiceCollection AddAddressPools(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(_ => PoolCatalog.FromConfiguration(configuration));
        services.TryAddSingleton(_ => PoolSettings.FromConfiguration(configuration));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AddressPools>();
        return services;
    }

    /// <summary>Starts the pool shard region (role `root`) and registers it as <see cref="AddressPoolRegion"/>.</summary>
    public static AkkaConfigurationBuilder WithAddressPools(this AkkaConfigurationBuilder builder, IServiceProvider services) =>
        builder.WithAddressPools(
            services.GetRequiredService<PoolCatalog>(),
            services.GetRequiredService<PoolSettings>(),
            services.GetRequiredService<TimeProvider>());

    public static AkkaConfigurationBuilder WithAddressPools(
        this AkkaConfigurationBuilder builder, PoolCatalog catalog, PoolSettings settings, TimeProvider clock) =>
        builder
            .WithShardRegion<AddressPoolRegion>(
                RegionName,
                pool => catalog.TryGet(pool, out var definition)
                    ? AddressPoolActor.Props(definition, settings, clock)
                    // Unknown names are refused by the facade before they get here; a stray message gets a dead entity.
                    : Akka.Actor.Props.Empty,
                new EntityMessageExtractor(),
                OakestraSharding.Options(OakestraRoles.Root))
            // Wake every pool at startup: the first journal access (table creation, query compilation) takes
            // seconds, and should not be paid by the first API request.
            .WithActors((_, registry) =>
            {
                var region = registry.Get<AddressPoolRegion>();
                foreach (var pool in catalog.All) region.Tell(new PreviewAddresses(pool.Name, 0), Akka.Actor.ActorRefs.Nobody);
            });
}
