using System.Globalization;
using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using System.Diagnostics.Metrics;
using Oakestra.Actors.Contracts.Hosting;
using Oakestra.Actors.Contracts.Hosting.Health;
using Oakestra.Actors.Contracts.Hosting.Metrics;
using Oakestra.Actors.WorkerNode.Actors;
using Oakestra.Actors.Contracts.Discovery;
using Oakestra.Actors.WorkerNode.Memory;
using Oakestra.Actors.WorkerNode.Ports;
using Oakestra.Actors.WorkerNode.Ports.Inert;

namespace Oakestra.Actors.WorkerNode.Hosting;

public static class WorkerHosting
{
    /// <summary>The Oak:Site:* and Oak:Node:* keys of docs/CONFIG.md (plus docs/NODES.md), defaults applied.</summary>
    public static WorkerSettings SettingsFrom(IConfiguration configuration)
    {
        var oak = configuration.GetSection("Oak");
        var hostname = oak["Akka:Hostname"] is { Length: > 0 } h ? h : "127.0.0.1";
        var settings = new WorkerSettings(
            oak["Site:Name"] is { Length: > 0 } site ? site : "site1",
            oak["Node:Name"] is { Length: > 0 } node ? node : Environment.MachineName,
            oak["Node:TunnelEndpoint"] is { Length: > 0 } endpoint ? endpoint : $"{hostname}:50103",
            Number(oak["Node:Latitude"]) ?? 0,
            Number(oak["Node:Longitude"]) ?? 0);
        return settings with
        {
            InterestExpiry = TimeSpan.FromSeconds(Number(oak["Node:InterestExpirySeconds"]) ?? 10),
            DigestInterval = Number(oak["Site:DigestSeconds"]) is { } d and > 0 ? TimeSpan.FromSeconds(d) : settings.DigestInterval,
        };
    }

    /// <summary>Oak:Node:StateDir, where the node keeps what must outlive its process (default /run/oakestra/&lt;node&gt;).</summary>
    public static string StateDirFrom(IConfiguration configuration, WorkerSettings settings) =>
        configuration["Oak:Node:StateDir"] is { Length: > 0 } s ? s : $"/run/oakestra/{settings.Node}";

    /// <summary>
    /// The worker process: a member of its site's cluster (roles <c>worker</c> and <c>site-&lt;name&gt;</c>), agent at
    /// /user/worker, finding its orchestrator at /user/orchestrator on members with roles <c>orchestrator</c> and the same
    /// site role. The ActorSystem runs as incarnations; <see cref="IInstanceHost"/>, <see cref="IDataPlane"/> and the
    /// <see cref="NodeMemory"/> belong to the process and outlive every incarnation: a downed or quarantined ActorSystem
    /// is replaced, and no instance stops, the forwarding loop keeps its last table meanwhile. When no host or data
    /// plane is registered, the inert ones (control plane only) are used.
    /// </summary>
    public static IServiceCollection AddWorkerNode(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = SettingsFrom(configuration);
        services.AddSingleton(settings);
        if (services.All(d => d.ServiceType != typeof(IInstanceHost))) services.AddSingleton<IInstanceHost, InertInstanceHost>();
        if (services.All(d => d.ServiceType != typeof(IDataPlane))) services.AddSingleton<IDataPlane, InertDataPlane>();
        // What the agent publishes is remembered for the metrics and the readiness check (docs/METRICS.md).
        services.TryAddSingleton(sp => new WatchedDataPlane(sp.GetRequiredService<IDataPlane>()));
        services.AddSingleton<IMetricsSource>(sp => new DataPlaneMetrics(sp.GetRequiredService<WatchedDataPlane>(), sp.GetRequiredService<IMeterFactory>()));
        services.AddMetricsEndpoint(configuration, OakestraRoles.Worker);
        services.AddHealthChecks().AddIncarnationChecks().AddWorkerChecks();
        services.TryAddSingleton(_ => configuration["Oak:Node:StateDir"] is { Length: > 0 }
            ? NodeMemory.At(Path.Combine(StateDirFrom(configuration, settings), "routes.json"))
            : NodeMemory.InProcess());
        return services.AddActorSystemIncarnations((incarnation, node) =>
            incarnation.AddOakestraCluster(configuration, OakestraRoles.Worker, settings.Site, (akka, _) =>
            {
                akka.AddHocon(NodeRoles.RolesHocon(OakestraRoles.Worker, NodeRoles.SiteRole(settings.Site)), HoconAddMode.Prepend);
                akka.WithActors((system, registry) =>
                {
                    var link = UpstreamLink.ViaCluster(new ClusterUpstream(
                        [NodeRoles.Orchestrator, NodeRoles.SiteRole(settings.Site)], NodeRoles.OrchestratorPath));
                    // The real data plane's identity (AddNamespaceRuntime): the key and salt its tunnel seals with.
                    var self = node.GetService<DataPlane.Tunnel.TunnelIdentity>() is { } identity ? settings.WithTunnel(identity) : settings;
                    var agent = system.ActorOf(
                        WorkerAgent.Props(self, node.GetRequiredService<IInstanceHost>(), node.GetRequiredService<WatchedDataPlane>(), link,
                            node.GetRequiredService<NodeMemory>()),
                        WorkerAgent.Name);
                    registry.Register<WorkerAgent>(agent);
                });
            }));
    }

    private static double? Number(string? text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
}
