using System.Globalization;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Event;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Oakestra.Actors.Contracts.Serialization;

namespace Oakestra.Actors.Contracts.Hosting;

/// <summary>
/// The one Akka setup every process uses: remoting, cluster membership of its tier with static seeds,
/// the tier's split brain resolver, sharding defaults, our serializers and logging through
/// Microsoft.Extensions.Logging.
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
        string? site = null,
        Action<AkkaConfigurationBuilder, IServiceProvider>? more = null)
    {
        var settings = OakClusterSettings.FromConfiguration(configuration, role, site);
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
            .WithRemoting(RemotingOf(settings))
            .WithClustering(new ClusterOptions
            {
                Roles = [settings.Role],
                SeedNodes = settings.Seeds.ToArray(),
                SplitBrainResolver = SplitBrainResolverOf(settings.Tier),
            })
            .AddHocon(TierHocon(settings), HoconAddMode.Prepend)
            .AddHocon(ShardingDefaults, HoconAddMode.Prepend)
            .WithOakestraSerializers()
            .AddStartup((system, _) =>
            {
                if (settings.Tls is null)
                    system.Log.Warning("Akka remoting is plain TCP (Oak:Remoting:Tls=off): any process that reaches {0}:{1} can join this cluster and send any message",
                        settings.Hostname, settings.Port);
            });
    }

    /// <summary>
    /// With TLS, mutual: both sides present a certificate and judge the other's against the deployment's CA only
    /// (<see cref="RemotingTls.Validator"/>); host names are not compared, members are dialled by address.
    /// </summary>
    private static RemoteOptions RemotingOf(OakClusterSettings settings)
    {
        var options = new RemoteOptions { HostName = settings.Hostname, Port = settings.Port };
        if (settings.Tls is not { } tls) return options;
        options.EnableSsl = true;
        options.Ssl = new SslOptions
        {
            X509Certificate = tls.Certificate,
            SuppressValidation = false,
            RequireMutualAuthentication = true,
            ValidateCertificateHostname = false,
            CustomValidator = tls.Validator,
        };
        return options;
    }

    /// <summary>
    /// Inside one tier only, never across tiers. Root tier: the side with most roots keeps the journal-backed
    /// single writers. Site: the side with most members (orchestrator and workers count alike) stays; on an
    /// even split the side holding the lowest address stays, and the other side's members start a new
    /// ActorSystem and rejoin when the split heals — their instances and forwarding never stop (docs/NODES.md).
    /// </summary>
    private static SplitBrainResolverOption SplitBrainResolverOf(ClusterTier tier) =>
        tier == ClusterTier.Root ? new KeepMajorityOption { Role = OakestraRoles.Root } : new KeepMajorityOption();

    /// <summary>
    /// The first of several seeds (a site's orchestrator, a tier's first root) asks the others whether a cluster
    /// exists and forms one of its own only when none answers within the seed-node timeout. Restarted after a
    /// kill -9 while its workers still form the site's cluster, a reply that misses Akka's default 5 s (their
    /// association to its address was still gated, the machine busy: seen once in CI) leaves it alone in a
    /// cluster of one for good, since two Akka clusters never merge, and the site then has no orchestrator at
    /// all. A longer wait costs nothing on a cold start, where every seed that runs answers "no cluster yet" at once.
    /// </summary>
    internal static TimeSpan SeedTimeoutOf(OakClusterSettings settings) =>
        settings.Seeds.Count > 1 && settings.Seeds[0].EndsWith($"@{settings.Hostname}:{settings.Port}", StringComparison.Ordinal)
            ? TimeSpan.FromSeconds(30)
            : TimeSpan.FromSeconds(5);

    /// <summary>The largest message remoting carries (Akka's default is 128,000 bytes).</summary>
    public const int MaximumFrameBytes = 8 * 1024 * 1024;

    private static string TierHocon(OakClusterSettings settings) => $$"""
        # Akka's default frame limit (128,000 bytes) drops a larger message with a log line only: the snapshot of a
        # service with 1,500 instances placed on 100 workers (over 128,000 bytes) never reached its subscriber. 8 MiB holds
        # the largest snapshot the API allows (1000 instances per request, services grow by requests) many times.
        akka.remote.dot-netty.tcp.maximum-frame-size = {{MaximumFrameBytes}}b
        akka.remote.dot-netty.tcp.send-buffer-size = {{MaximumFrameBytes}}b
        akka.remote.dot-netty.tcp.receive-buffer-size = {{MaximumFrameBytes}}b
        akka.cluster.seed-node-timeout = {{SeedTimeoutOf(settings).TotalSeconds.ToString(CultureInfo.InvariantCulture)}}s
        akka.cluster.split-brain-resolver.stable-after = {{settings.DownAfter.TotalSeconds.ToString(CultureInfo.InvariantCulture)}}s
        # A member removed from its cluster ends its ActorSystem; our hosts start a new one (ActorSystemIncarnations).
        akka.cluster.run-coordinated-shutdown-when-down = on
        akka.coordinated-shutdown.exit-clr = off
        # A member restarted under its address (a worker process after kill -9) is answered only once the gate
        # that failed sends to its dead predecessor keep closing (5 s each by default) opens: its first join
        # attempt went unanswered and it joined after 11 s. A short gate and a quicker retry of the join.
        akka.remote.retry-gate-closed-for = 1s
        akka.cluster.retry-unsuccessful-join-after = 3s
        # An association whose other end stopped reading is dropped and dialled again after 10 s instead of 120 s:
        # seen in CI, a root dropped the inbound handshake of an orchestrator restarted under its address (the root's
        # writer for the dead predecessor was being removed at that moment), and the new orchestrator's ClusterClient
        # found no receptionist for 90 s+ on an association that stayed open but unanswered.
        akka.remote.transport-failure-detector.heartbeat-interval = 2s
        akka.remote.transport-failure-detector.acceptable-heartbeat-pause = 10s
        # Each side writes only on the connection it dialled. With passive connections (Akka's default) a member
        # restarted under its address could be left deaf for good: the root, still dialling the dead predecessor,
        # saw the new incarnation's inbound first and stopped its writer while that writer's dial was in flight; the
        # dial then completed into dead letters, its connection stayed open with nobody writing on it, the new
        # member moved its reading onto it and the root answered on the other connection, which the member no longer
        # read (reproduced in the lab: site cut, heal, orchestrator kill -9 and start, its root link never answered
        # again). Without passive connections a member reads every inbound connection it is given, the newest one
        # replacing the older, so the orphan is dropped at the root's next dial.
        akka.remote.use-passive-connections = off
        # The link between tiers (ClusterClient): its envelopes carry our messages in their own serializer's
        # format, never the default object serializer; no buffering: the site's root link queues what matters.
        akka.cluster.client.use-legacy-serialization = off
        akka.cluster.client.buffer-size = 0
        akka.cluster.client.receptionist.role = "{{OakestraRoles.Root}}"
        """;

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
