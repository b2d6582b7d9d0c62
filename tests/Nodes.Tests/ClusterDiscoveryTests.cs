using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.Client;
using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Oakestra.Actors.ClusterOrchestrator.Hosting;
using Oakestra.Actors.Contracts.Hosting;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Nodes.Tests.Fakes;
using Oakestra.Actors.WorkerNode.Hosting;
using Oakestra.Actors.WorkerNode.Ports;
using Xunit.Abstractions;

namespace Oakestra.Actors.Nodes.Tests;

/// <summary>
/// The discovery contract across failure domains (remoting on loopback, Hyperion for the protocol): a root tier
/// of its own, and two edge sites, each its own cluster. Orchestrators reach the root tier's gateway through
/// the ClusterClient receptionist; workers find their site's orchestrator by role and well-known path.
/// Several ActorSystems in one process.
/// </summary>
public class ClusterDiscoveryTests(ITestOutputHelper output) : NodesTestKit(output)
{
    private readonly List<IHost> _hosts = new();

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private IHost Start(Dictionary<string, string?> config, Action<IServiceCollection, IConfiguration> add)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(config);
        add(builder.Services, builder.Configuration);
        var host = builder.Build();
        _hosts.Add(host);
        host.Start();
        return host;
    }

    private Dictionary<string, string?> SiteConfig(string site, int orchestratorPort, int rootPort, int port) => new()
    {
        ["Oak:Akka:Hostname"] = "127.0.0.1",
        ["Oak:Remoting:Tls"] = "off",
        ["Oak:Akka:Port"] = port.ToString(),
        ["Oak:Akka:Seeds"] = $"127.0.0.1:{orchestratorPort}",
        ["Oak:Site:Name"] = site,
        ["Oak:Site:WorkerGraceSeconds"] = "2",
        ["Oak:Root:Contacts"] = $"127.0.0.1:{rootPort}",
    };

    [Fact]
    public async Task Orchestrators_reach_the_root_tier_through_its_receptionist_and_workers_find_their_own_sites_orchestrator()
    {
        try
        {
            var store = new RootStore();
            var rootPort = FreePort();
            var root = Start(new() { ["Oak:Akka:Hostname"] = "127.0.0.1", ["Oak:Remoting:Tls"] = "off", ["Oak:Akka:Port"] = rootPort.ToString() }, (services, configuration) =>
                services.AddOakestraCluster(configuration, OakestraRoles.Root, more: (akka, _) =>
                    akka.WithActors((system, _) =>
                        ClusterClientReceptionist.Get(system).RegisterService(system.ActorOf(FakeRoot.Props(store), "root-gateway")))));
            int portA = FreePort(), portB = FreePort();
            Start(SiteConfig("a", portA, rootPort, portA), (s, c) => s.AddOrchestrator(c));
            Start(SiteConfig("b", portB, rootPort, portB), (s, c) => s.AddOrchestrator(c));
            var host = new FakeInstanceHost();
            var dataPlane = new RecordingDataPlane();
            var worker = Start(new(SiteConfig("a", portA, rootPort, 0)) { ["Oak:Node:Name"] = "w1" }, (services, configuration) =>
            {
                services.AddSingleton<IInstanceHost>(host);
                services.AddSingleton<IDataPlane>(dataPlane);
                services.AddWorkerNode(configuration);
            });

            var join = TimeSpan.FromSeconds(40);
            Eventually(() => Assert.Equal(["a", "b"], store.Read(s => s.Sites.Keys.Order().ToArray())), join);
            Eventually(() => Assert.Single(host.Prepared), join);
            Assert.Equal([("a", "w1")], store.Read(s => s.Subnets.Keys.ToArray()));
            // The root tier's cluster holds the root alone; each site is a cluster of its own.
            Assert.Single(Cluster.Get(root.Services.GetRequiredService<ActorSystem>()).State.Members);

            // Placement and reports across the tiers.
            var rootGateway = await root.Services.GetRequiredService<ActorSystem>().ActorSelection("/user/root-gateway").ResolveOne(TimeSpan.FromSeconds(5));
            rootGateway.Tell(new DefineService(Svc.Routes(1, 1)));
            rootGateway.Tell(new DeployInstance(Svc.Launch(1, 0), "a", null));
            Eventually(() => Assert.Equal(("a", "w1", 1L), store.Read(s =>
            {
                var owner = s.Services[Svc.Id(1)].Instances.Single().Owner;
                return (owner?.Cluster, owner?.Node, owner?.Epoch ?? 0);
            })), join);

            // A table query across the tiers.
            rootGateway.Tell(new DefineService(Svc.Routes(2, 5)));
            dataPlane.Miss(Svc.ClosestV6(2));
            Eventually(() => Assert.Equal(5, dataPlane.Service(Svc.Id(2))?.Version), join);

            // The worker leaves for good: past the grace its site's orchestrator tells the root, and its instance is Failed.
            store.AutoReplace = false;
            await worker.StopAsync();
            Eventually(() => Assert.Equal(WorkerState.Down, store.Read(s => s.WorkerStates[("a", "w1")])), join);
            Eventually(() => Assert.Contains(store.ReceivedOf<InstanceStatusReport>(), r => r is { Status: InstanceStatus.Failed, Epoch: 1 }));
        }
        finally
        {
            foreach (var h in Enumerable.Reverse(_hosts))
            {
                try { await h.StopAsync(); } catch (Exception) { }
                h.Dispose();
            }
        }
    }
}
