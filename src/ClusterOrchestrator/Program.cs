using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Oakestra.Actors.ClusterOrchestrator.Actors;
using Oakestra.Actors.ClusterOrchestrator.Discovery;

// The orchestrator of one edge site: cluster member with roles `orchestrator` and `site-<name>`,
// actor at /user/orchestrator; it finds the root at /user/root-gateway on members with role `root`.
var builder = Host.CreateApplicationBuilder(args);
builder.Configuration.AddEnvironmentVariables("OAK__");
var oak = builder.Configuration.GetSection("Oak");
var site = oak["Site:Name"] ?? "site1";
var systemName = oak["Akka:SystemName"] ?? "oakestra";
var hostname = oak["Akka:Hostname"] ?? "127.0.0.1";
var port = int.TryParse(oak["Akka:Port"], out var p) ? p : 0;
var seeds = (oak["Akka:Seeds"] ?? $"akka.tcp://{systemName}@127.0.0.1:4053")
    .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

builder.Services.AddAkka(systemName, (akka, _) =>
{
    akka.AddHocon(NodeRoles.SerializationHocon, HoconAddMode.Prepend)
        .WithRemoting(hostname, port)
        .WithClustering(new ClusterOptions { Roles = [NodeRoles.Orchestrator, NodeRoles.SiteRole(site)], SeedNodes = seeds })
        .WithActors((system, registry) =>
        {
            var rootLink = UpstreamLink.ViaCluster(new ClusterUpstream([NodeRoles.Root], NodeRoles.RootGatewayPath));
            var orchestrator = system.ActorOf(OrchestratorActor.Props(new OrchestratorSettings(site), rootLink), OrchestratorActor.Name);
            registry.Register<OrchestratorActor>(orchestrator);
        });
});

await builder.Build().RunAsync();
return 0;
