using System.Net;
using System.Net.Sockets;
using Akka.Cluster;
using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Oakestra.Actors.ClusterOrchestrator.Hosting;
using Oakestra.Actors.Contracts.Hosting;
using Oakestra.Actors.Nodes.Tests.Fakes;
using Oakestra.Actors.WorkerNode.Hosting;
using Oakestra.Actors.WorkerNode.Ports;
using Xunit.Abstractions;

namespace Oakestra.Actors.Nodes.Tests;

/// <summary>The setups of the two processes (what Program.cs runs), joined to a root member that plays the gateway.</summary>
public class ProcessHostingTests(ITestOutputHelper output) : NodesTestKit(output)
{
    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static IHost Build(Dictionary<string, string?> config, Action<IServiceCollection, IConfiguration> add)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(config);
        add(builder.Services, builder.Configuration);
        return builder.Build();
    }

    [Fact]
    public async Task The_orchestrator_and_worker_processes_join_with_their_site_roles_and_register_through_to_the_root()
    {
        var store = new RootStore();
        var port = FreePort();
        var seed = $"akka.tcp://oakestra@127.0.0.1:{port}";
        var common = new Dictionary<string, string?> { ["Oak:Akka:Seeds"] = seed, ["Oak:Akka:Hostname"] = "127.0.0.1", ["Oak:Site:Name"] = "edge1" };

        using var root = Build(new(common) { ["Oak:Akka:Port"] = port.ToString() }, (services, configuration) =>
            services.AddOakestraCluster(configuration, OakestraRoles.Root, (akka, _) =>
                akka.WithActors((system, _) => system.ActorOf(FakeRoot.Props(store), "root-gateway"))));
        var instanceHost = new FakeInstanceHost();
        using var orchestrator = Build(new(common) { ["Oak:Akka:Port"] = "0" }, (services, configuration) => services.AddOrchestrator(configuration));
        using var worker = Build(new(common) { ["Oak:Akka:Port"] = "0", ["Oak:Node:Name"] = "n1", ["Oak:Node:Latitude"] = "48.1" }, (services, configuration) =>
        {
            services.AddSingleton<IInstanceHost>(instanceHost);
            services.AddSingleton<IDataPlane>(new RecordingDataPlane());
            services.AddWorkerNode(configuration);
        });
        try
        {
            await root.StartAsync();
            await orchestrator.StartAsync();
            await worker.StartAsync();

            var roles = Cluster.Get(worker.Services.GetRequiredService<ActorSystem>()).SelfRoles;
            Assert.Equal(["site-edge1", "worker"], roles.Order());
            Assert.Equal(["orchestrator", "site-edge1"], Cluster.Get(orchestrator.Services.GetRequiredService<ActorSystem>()).SelfRoles.Order());

            Eventually(() => Assert.Single(instanceHost.Prepared), TimeSpan.FromSeconds(30));
            Eventually(() => Assert.Equal(["edge1"], store.Read(s => s.Sites.Keys.ToArray())));
            var registration = store.ReceivedOf<Contracts.Protocol.AssignWorkerSubnets>().First();
            Assert.Equal(("edge1", "n1", "127.0.0.1:50103", 48.1), (registration.Site, registration.Node, registration.TunnelEndpoint, registration.Latitude));
        }
        finally
        {
            await worker.StopAsync();
            await orchestrator.StopAsync();
            await root.StopAsync();
        }
    }
}
