using System.Globalization;
using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Oakestra.Actors.ClusterOrchestrator.Actors;
using Oakestra.Actors.ClusterOrchestrator.Link;
using Oakestra.Actors.Contracts.Discovery;
using Oakestra.Actors.Contracts.Hosting;
using Oakestra.Actors.Contracts.Hosting.Health;
using Oakestra.Actors.Contracts.Hosting.Metrics;

namespace Oakestra.Actors.ClusterOrchestrator.Hosting;

public static class OrchestratorHosting
{
    /// <summary>Oak:Site:* and Oak:Root:Contacts (docs/CONFIG.md), defaults applied.</summary>
    public static OrchestratorSettings SettingsFrom(IConfiguration configuration)
    {
        var site = configuration["Oak:Site:Name"] is { Length: > 0 } s ? s : "site1";
        var d = new OrchestratorSettings(site);
        return d with
        {
            WorkerGrace = Seconds(configuration["Oak:Site:WorkerGraceSeconds"]) ?? d.WorkerGrace,
            DigestInterval = Seconds(configuration["Oak:Site:DigestSeconds"]) ?? d.DigestInterval,
            DropOneIn = int.TryParse(configuration["Oak:Test:DropOneIn"], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0,
            DropMessages = configuration["Oak:Test:DropMessages"] is { Length: > 0 } types
                ? types.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal)
                : MessageDropper.DefaultTypes,
        };
    }

    /// <summary>The receptionists of every root: <c>Oak:Root:Contacts</c> as Akka addresses or host:port.</summary>
    public static IReadOnlyList<string> RootReceptionists(IConfiguration configuration) =>
        AkkaAddresses.Parse(configuration["Oak:Root:Contacts"] is { Length: > 0 } c ? c : $"127.0.0.1:{OakClusterSettings.DefaultRootPort}",
                OakClusterSettings.RootSystemName, RemotingTls.IsOn(configuration))
            .Select(a => $"{a}/system/receptionist")
            .ToArray();

    /// <summary>
    /// The orchestrator process: a member of its site's cluster (roles <c>orchestrator</c> and <c>site-&lt;name&gt;</c>),
    /// actor at /user/orchestrator, linked to the root tier by a ClusterClient naming every root. Its ActorSystem
    /// runs as incarnations: downed by its site's cluster, it starts a new one and rejoins.
    /// </summary>
    public static IServiceCollection AddOrchestrator(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = SettingsFrom(configuration);
        var transport = new RootTransport.ViaClusterClient(RootReceptionists(configuration));
        services.AddSingleton(settings);
        services.AddMetricsEndpoint(configuration, OakestraRoles.Orchestrator);
        services.AddHealthChecks().AddIncarnationChecks();
        return services.AddActorSystemIncarnations((incarnation, process) =>
            incarnation.AddOakestraCluster(configuration, OakestraRoles.Orchestrator, settings.Site, (akka, _) =>
            {
                // A lookup of tunnel endpoint names registered by the process (tests: their lab's names), else DNS.
                var actorSettings = process.GetService<TunnelEndpointLookup>() is { } lookup ? settings with { LookupTunnelEndpoint = lookup } : settings;
                // The shared setup gives one role; workers find their orchestrator by the site role as well.
                akka.AddHocon(NodeRoles.RolesHocon(OakestraRoles.Orchestrator, NodeRoles.SiteRole(settings.Site)), HoconAddMode.Prepend);
                akka.WithActors((system, registry) =>
                {
                    var link = RootLink.Props(settings.Site, transport);
                    registry.Register<OrchestratorActor>(system.ActorOf(OrchestratorActor.Props(actorSettings, link), OrchestratorActor.Name));
                });
            }));
    }

    private static TimeSpan? Seconds(string? text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s >= 0 ? TimeSpan.FromSeconds(s) : null;
}
