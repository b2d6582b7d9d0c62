using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Oakestra.Actors.Contracts.Serialization;

namespace Oakestra.Actors.Contracts.Hosting;

/// <summary>
/// The one Akka setup every process uses: remoting, cluster membership with static seeds and one role,
/// split brain resolver, sharding defaults, our serializers and logging through Microsoft.Extensions.Logging.
/// </summary>
public static class OakestraClusterHosting
{
    /// <summary>
    /// Adds the ActorSystem configured from Oak:Akka:* (docs/CONFIG.md). <paramref name="more"/> adds the
    /// process's own parts (persistence, shard regions, actors) to the same builder; it runs when the
    /// ActorSystem is created, with the application's service provider.
    /// </summary>
    public static IServiceCollection AddOakestraCluster(
        this IServiceCollection services,
        IConfiguration configuration,
        string role,
        Action<AkkaConfigurationBuilder, IServiceProvider>? more = null)
    {
        var settings = OakClusterSettings.FromConfiguration(configuration, role);
        services.AddSingleton(settings);
        return services.AddAkka(settings.SystemName, (builder, sp) =>
        {
            builder.WithOakestraCluster(settings);
            more?.Invoke(builder, sp);
        });
    }

    /// <summary>The same setup on an existing builder (tests build several systems in one process).</summary>
    public static AkkaConfigurationBuilder WithOakestraCluster(this AkkaConfigurationBuilder builder, OakClusterSettings settings)
    {
        return builder
            .ConfigureLoggers(loggers =>
            {
                loggers.ClearLoggers();
                loggers.AddLoggerFactory();
            })
            .WithRemoting(new RemoteOptions { HostName = settings.Hostname, Port = settings.Port })
            .WithClustering(new ClusterOptions
            {
                Roles = [settings.Role],
                SeedNodes = settings.Seeds.ToArray(),
                // The roots hold the journal-backed single writers: the side with most roots survives.
                SplitBrainResolver = new KeepMajorityOption { Role = OakestraRoles.Root },
            })
            .AddHocon(ShardingDefaults, HoconAddMode.Prepend)
            .WithOakestraSerializers();
    }

    // Regions created through OakestraSharding.Options get the same values; these cover any other
    // region (e.g. a proxy started by hand) so no member ever falls back to persistence mode.
    private const string ShardingDefaults = """
        akka.cluster.downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
        akka.cluster.sharding {
          state-store-mode = ddata
          remember-entities = off
        }
        akka.cluster.distributed-data.durable.keys = []
        """;
}
