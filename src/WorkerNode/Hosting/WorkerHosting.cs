using System.Globalization;
using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Oakestra.Actors.Contracts.Hosting;
using Oakestra.Actors.WorkerNode.Actors;
using Oakestra.Actors.Contracts.Discovery;
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
        return new WorkerSettings(
            oak["Site:Name"] is { Length: > 0 } site ? site : "site1",
            oak["Node:Name"] is { Length: > 0 } node ? node : Environment.MachineName,
            oak["Node:TunnelEndpoint"] is { Length: > 0 } endpoint ? endpoint : $"{hostname}:50103",
            Number(oak["Node:Latitude"]) ?? 0,
            Number(oak["Node:Longitude"]) ?? 0)
        {
            InterestExpiry = TimeSpan.FromSeconds(Number(oak["Node:InterestExpirySeconds"]) ?? 10),
        };
    }

    /// <summary>
    /// The worker process: roles <c>worker</c> and <c>site-&lt;name&gt;</c>, agent at /user/worker, finding its
    /// orchestrator at /user/orchestrator on members with roles <c>orchestrator</c> and the same site role.
    /// <see cref="IInstanceHost"/> and <see cref="IDataPlane"/> come from the container; when none is
    /// registered, the inert ones (control plane only) are used.
    /// </summary>
    public static IServiceCollection AddWorkerNode(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = SettingsFrom(configuration);
        services.AddSingleton(settings);
        if (services.All(d => d.ServiceType != typeof(IInstanceHost))) services.AddSingleton<IInstanceHost, InertInstanceHost>();
        if (services.All(d => d.ServiceType != typeof(IDataPlane))) services.AddSingleton<IDataPlane, InertDataPlane>();
        return services.AddOakestraCluster(configuration, OakestraRoles.Worker, (akka, sp) =>
        {
            akka.AddHocon(NodeRoles.RolesHocon(OakestraRoles.Worker, NodeRoles.SiteRole(settings.Site)), HoconAddMode.Prepend);
            akka.WithActors((system, registry) =>
            {
                var link = UpstreamLink.ViaCluster(new ClusterUpstream(
                    [NodeRoles.Orchestrator, NodeRoles.SiteRole(settings.Site)], NodeRoles.OrchestratorPath));
                var agent = system.ActorOf(
                    WorkerAgent.Props(settings, sp.GetRequiredService<IInstanceHost>(), sp.GetRequiredService<IDataPlane>(), link),
                    WorkerAgent.Name);
                registry.Register<WorkerAgent>(agent);
            });
        });
    }

    private static double? Number(string? text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
}
