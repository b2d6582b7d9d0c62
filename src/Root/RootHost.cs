using Akka.Cluster.Hosting;
using Akka.Hosting;
using Microsoft.AspNetCore.HostFiltering;
using Oakestra.Actors.Contracts.Hosting;
using Oakestra.Actors.Contracts.Hosting.Health;
using Oakestra.Actors.Root.Api;
using Oakestra.Actors.Root.Api.Metrics;
using Oakestra.Actors.Root.Api.Sla;
using Oakestra.Actors.Root.Api.Trust;
using Oakestra.Actors.Root.Entities;
using Oakestra.Actors.Root.Entities.Audit;
using Oakestra.Actors.Root.Persistence;
using Oakestra.Actors.Root.Pools;

namespace Oakestra.Actors.Root;

/// <summary>
/// Builds the root process: HTTP API, cluster member with role root, journal, pools, entities. Program.cs
/// and the tests use the same builder, so the tests exercise the real wiring.
/// </summary>
public static class RootHost
{
    public static WebApplication Build(
        string[] args, Action<WebApplicationBuilder>? configure = null, Action<AkkaConfigurationBuilder>? akka = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        // Under every other source, so appsettings.json, the environment and the command line still override it: the
        // defaults hold also when the root runs from a directory without its appsettings.json (the lab, a package).
        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = LoggingDefaults });
        configure?.Invoke(builder);
        var config = builder.Configuration;
        OakConfiguration.Validate(config);
        var api = AddApiTrust(builder);

        builder.Services.AddAddressPools(config);
        builder.Services.AddSingleton(RootSettingsFrom(config));
        builder.Services.AddSingleton(sp => new RootRefs(sp.GetRequiredService<AddressPools>(), sp.GetRequiredService<RootSettings>()));
        builder.Services.AddSingleton<IControlPlane, ActorControlPlane>();
        builder.Services.AddSingleton<IdempotencyKeys>();
        builder.Services.AddRootMetrics();
        builder.Services.AddHealthChecks();
        builder.Services.AddRootOpenApi();
        builder.Services.AddSingleton(sp => new SlaParser(
            SlaAddressRangesFromPools.From(sp.GetRequiredService<PoolCatalog>()), new SlaLimits(api.MaxMicroservices, api.MaxCodeBytes)));
        builder.Services.AddOakestraCluster(config, OakestraRoles.Root, more: (b, sp) =>
        {
            // Liveness and readiness (/api/v1/health): Akka.Hosting's ActorSystem and cluster membership checks, the journal's.
            b.WithActorSystemLivenessCheck(tags: [OakHealth.Live])
                .WithAkkaClusterReadinessCheck(tags: [OakHealth.Ready]);
            b.WithOakestraPersistence(config)
                .WithAddressPools(sp)
                // One per root cluster: with several root processes, two audits would only repeat each other's asks.
                .WithSingleton<AddressAuditActor>("address-audit", (_, _, _) => AddressAuditActor.Props(sp.GetRequiredService<RootRefs>()),
                    new ClusterSingletonOptions { Role = OakestraRoles.Root }, createProxyToo: true)
                .WithActors((system, registry, _) =>
                {
                    var refs = sp.GetRequiredService<RootRefs>();
                    var gateway = RootEntities.Start(system, refs);
                    // The sites' ClusterClients reach it through every root's receptionist (they belong to other clusters).
                    Akka.Cluster.Tools.Client.ClusterClientReceptionist.Get(system).RegisterService(gateway);
                    registry.Register<RootGateway>(gateway);
                });
            akka?.Invoke(b);
        });

        var app = builder.Build();
        var token = app.Services.GetRequiredService<ApiToken>();
        app.Logger.LogInformation(token.Created
            ? "API token: created {Source} (mode 0600); clients send it as 'Authorization: Bearer <token>' (oak: OAK_TOKEN or --token)"
            : "API token: from {Source}; clients send it as 'Authorization: Bearer <token>' (oak: OAK_TOKEN or --token)", token.Source);
        app.UseApiRequestMetrics();
        app.UseControlPlaneErrors();
        app.UseRequestGuard();
        app.MapRootApi();
        app.MapRootMetrics();
        app.MapRootOpenApi();
        return app;
    }

    /// <summary>
    /// One line per HTTP request is ASP.NET Core's Information; a root answering `oak` and scrapes all day should not
    /// log each. `--Logging:LogLevel:Microsoft.AspNetCore=Information` brings them back; `--Logging:Console:FormatterName=json`
    /// makes every line one JSON object (docs/CONFIG.md).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string?> LoggingDefaults = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
    };

    /// <summary>
    /// docs/DESIGN.md §5 Trust for the HTTP API: the token (made now, so a bad one stops the start), Kestrel's body limit,
    /// HTTPS with the configured certificate, and the Host names host filtering lets through.
    /// </summary>
    private static ApiSettings AddApiTrust(WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        var api = ApiSettings.From(config);
        var token = ApiToken.Resolve(api, StoreSettings.FromConfiguration(config).DataDir);
        var urls = AllowedHosts.Urls(config);
        var certificate = ApiCertificate.Load(api);
        ApiCertificate.CheckUrls(certificate, urls, config);
        builder.Services.AddSingleton(api);
        builder.Services.AddSingleton(token);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = api.MaxBodyBytes;
            if (certificate is not null) kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate);
        });
        // The web host's defaults fill AllowedHosts from configuration only when nothing set it before: "*" then.
        if (string.IsNullOrWhiteSpace(config[AllowedHosts.Key]))
        {
            var hosts = AllowedHosts.Default(urls);
            builder.Services.Configure<HostFilteringOptions>(o => o.AllowedHosts = hosts.ToList());
        }
        return api;
    }

    /// <summary>Oak:Root:* (MigrationDrainSeconds, AskTimeoutSeconds, SnapshotEvery, SiteSilenceSeconds, SiteGraceSeconds, NodeDecommissionGraceSeconds, …).</summary>
    public static RootSettings RootSettingsFrom(IConfiguration configuration)
    {
        var s = configuration.GetSection("Oak:Root");
        var d = RootSettings.Default;
        TimeSpan? Seconds(string key) =>
            double.TryParse(s[key], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) && v >= 0
                ? TimeSpan.FromSeconds(v) : null;
        var settings = new RootSettings(
            Seconds("MigrationDrainSeconds") ?? d.MigrationDrain,
            Seconds("AskTimeoutSeconds") ?? d.AskTimeout,
            int.TryParse(s["SnapshotEvery"], out var n) && n > 0 ? n : d.SnapshotEvery)
        {
            SiteSilence = Seconds("SiteSilenceSeconds") ?? d.SiteSilence,
            SiteGrace = Seconds("SiteGraceSeconds") ?? d.SiteGrace,
            DigestSettle = Seconds("DigestSettleSeconds") ?? d.DigestSettle,
            PlacementDeadline = Seconds("PlacementDeadlineSeconds") ?? d.PlacementDeadline,
            NodeDecommissionGrace = Seconds("NodeDecommissionGraceSeconds") ?? d.NodeDecommissionGrace,
            ServiceReservation = Seconds("ServiceReservationSeconds") ?? d.ServiceReservation,
            AddressAuditInterval = Seconds("AddressAuditSeconds") ?? d.AddressAuditInterval,
        };
        // Unset, the grace follows a long ask timeout or reservation (the control-plane benchmark asks for 60 s).
        var floor = settings.ServiceReservation + settings.AskTimeout + TimeSpan.FromSeconds(30);
        settings = settings with
        {
            UnconfirmedAddressGrace = Seconds("UnconfirmedAddressGraceSeconds") ?? (d.UnconfirmedAddressGrace > floor ? d.UnconfirmedAddressGrace : floor),
        };
        if (settings.UnconfirmedAddressGrace <= settings.ServiceReservation + settings.AskTimeout)
            throw new InvalidOperationException(
                $"Oak:Root:UnconfirmedAddressGraceSeconds ({settings.UnconfirmedAddressGrace.TotalSeconds:0.###}) must exceed Oak:Root:ServiceReservationSeconds " +
                $"({settings.ServiceReservation.TotalSeconds:0.###}) plus Oak:Root:AskTimeoutSeconds ({settings.AskTimeout.TotalSeconds:0.###}): otherwise the address audit " +
                "could reclaim the addresses of a request that may still create its service");
        return settings;
    }
}
