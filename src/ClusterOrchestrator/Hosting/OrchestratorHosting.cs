using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Oakestra.Actors.ClusterOrchestrator.Actors;
using Oakestra.Actors.Contracts.Discovery;
using Oakestra.Actors.Contracts.Hosting;

namespace Oakestra.Actors.ClusterOrchestrator.Hosting;

public static class OrchestratorHosting
{
    /// <summary>
    /// The orchestrator process: cluster member with roles <c>orchestrator</c> and <c>site-&lt;Oak:Site:Name&gt;</c>,
    /// actor at /user/orchestrator, finding the root at /user/root-gateway on members with role <c>root</c>.
    /// </summary>
    public static IServiceCollection AddOrchestrator(this IServiceCollection services, IConfiguration configuration)
    {
        var site = configuration["Oak:Site:Name"] is { Length: > 0 } s ? s : "site1";
        var settings = new OrchestratorSettings(site);
        services.AddSingleton(settings);
        return services.AddOakestraCluster(configuration, OakestraRoles.Orchestrator, (akka, _) =>
        {
            // The shared setup gives one role; workers find their orchestrator by the site role as well.
            akka.AddHocon(NodeRoles.RolesHocon(OakestraRoles.Orchestrator, NodeRoles.SiteRole(site)), HoconAddMode.Prepend);
            akka.WithActors((system, registry) =>
            {
                var rootLink = UpstreamLink.ViaCluster(new ClusterUpstream([NodeRoles.Root], NodeRoles.RootGatewayPath));
                registry.Register<OrchestratorActor>(system.ActorOf(OrchestratorActor.Props(settings, rootLink), OrchestratorActor.Name));
            });
        });
    }
}
