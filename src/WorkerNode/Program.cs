using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Oakestra.Actors.WorkerNode.Actors;
using Oakestra.Actors.WorkerNode.Discovery;
using Oakestra.Actors.WorkerNode.Ports;
using Oakestra.Actors.WorkerNode.Ports.Inert;

// A worker node: cluster member with roles `worker` and `site-<name>`, agent at /user/worker; it finds its
// orchestrator at /user/orchestrator on members with roles `orchestrator` and `site-<name>`.
var builder = Host.CreateApplicationBuilder(args);
builder.Configuration.AddEnvironmentVariables("OAK__");
var oak = builder.Configuration.GetSection("Oak");
var site = oak["Site:Name"] ?? "site1";
var node = oak["Node:Name"] ?? Environment.MachineName;
var systemName = oak["Akka:SystemName"] ?? "oakestra";
var hostname = oak["Akka:Hostname"] ?? "127.0.0.1";
var port = int.TryParse(oak["Akka:Port"], out var p) ? p : 0;
var seeds = (oak["Akka:Seeds"] ?? $"akka.tcp://{systemName}@127.0.0.1:4053")
    .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
var settings = new WorkerSettings(
    site, node,
    oak["Node:TunnelEndpoint"] ?? $"{hostname}:50103",
    double.TryParse(oak["Node:Latitude"], System.Globalization.CultureInfo.InvariantCulture, out var lat) ? lat : 0,
    double.TryParse(oak["Node:Longitude"], System.Globalization.CultureInfo.InvariantCulture, out var lon) ? lon : 0)
{
    InterestExpiry = TimeSpan.FromSeconds(double.TryParse(oak["Node:InterestExpirySeconds"], System.Globalization.CultureInfo.InvariantCulture, out var e) ? e : 10),
};

// The namespace runtime and the forwarding loop are wired here when they exist; until then only the inert ones.
var runtime = oak["Node:Runtime"] ?? "inert";
if (runtime != "inert")
{
    Console.Error.WriteLine($"Oak:Node:Runtime '{runtime}' is not available in this build (only 'inert')");
    return 2;
}
builder.Services.AddSingleton<IInstanceHost, InertInstanceHost>();
builder.Services.AddSingleton<IDataPlane, InertDataPlane>();

builder.Services.AddAkka(systemName, (akka, sp) =>
{
    akka.AddHocon(NodeRoles.SerializationHocon, HoconAddMode.Prepend)
        .WithRemoting(hostname, port)
        .WithClustering(new ClusterOptions { Roles = [NodeRoles.Worker, NodeRoles.SiteRole(site)], SeedNodes = seeds })
        .WithActors((system, registry) =>
        {
            var link = UpstreamLink.ViaCluster(new ClusterUpstream([NodeRoles.Orchestrator, NodeRoles.SiteRole(site)], NodeRoles.OrchestratorPath));
            var worker = system.ActorOf(
                WorkerAgent.Props(settings, sp.GetRequiredService<IInstanceHost>(), sp.GetRequiredService<IDataPlane>(), link),
                WorkerAgent.Name);
            registry.Register<WorkerAgent>(worker);
        });
});

await builder.Build().RunAsync();
return 0;
