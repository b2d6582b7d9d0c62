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
/// The setups of the two processes (what Program.cs runs) in their own failure domains: a site's cluster
/// (orchestrator + worker) linked by ClusterClient to a root tier of its own (a member that plays the gateway).
/// </summary>
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

    private static IHost FakeRootTier(RootStore store, int port) =>
        Build(new() { ["Oak:Akka:Hostname"] = "127.0.0.1", ["Oak:Remoting:Tls"] = "off", ["Oak:Akka:Port"] = port.ToString() }, (services, configuration) =>
            services.AddOakestraCluster(configuration, OakestraRoles.Root, more: (akka, _) =>
                akka.WithActors((system, _) =>
                    ClusterClientReceptionist.Get(system).RegisterService(system.ActorOf(FakeRoot.Props(store), "root-gateway")))));

    /// <summary>What every process of site edge1 is configured with: the orchestrator's port is its seed, the root tier its contact.</summary>
    private static Dictionary<string, string?> SiteSettings(int sitePort, int rootPort) => new()
    {
        ["Oak:Akka:Hostname"] = "127.0.0.1",
        ["Oak:Remoting:Tls"] = "off",
        ["Oak:Akka:Seeds"] = $"127.0.0.1:{sitePort}",
        ["Oak:Site:Name"] = "edge1",
        ["Oak:Root:Contacts"] = $"127.0.0.1:{rootPort}",
    };

    private static ActorSystem SystemOf(IHost host) =>
        host.Services.GetRequiredService<ActorSystemIncarnations>().Current ?? throw new InvalidOperationException("no ActorSystem runs");

    [Fact]
    public async Task The_site_runs_in_a_cluster_of_its_own_registers_through_the_link_and_outlives_the_root_tier()
    {
        var store = new RootStore();
        var rootPort = FreePort();
        var sitePort = FreePort();
        var site = SiteSettings(sitePort, rootPort);

        var root = FakeRootTier(store, rootPort);
        var instanceHost = new FakeInstanceHost();
        using var orchestrator = Build(new(site) { ["Oak:Akka:Port"] = sitePort.ToString() }, (services, configuration) => services.AddOrchestrator(configuration));
        using var worker = Build(new(site) { ["Oak:Akka:Port"] = "0", ["Oak:Node:Name"] = "n1", ["Oak:Node:Latitude"] = "48.1" }, (services, configuration) =>
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

            Eventually(() => Assert.Single(instanceHost.Prepared), TimeSpan.FromSeconds(30));
            Eventually(() => Assert.Equal(["edge1"], store.Read(s => s.Sites.Keys.ToArray())));
            var registration = store.ReceivedOf<AssignWorkerSubnets>().First();
            Assert.Equal(("edge1", "n1", "127.0.0.1:50103", 48.1), (registration.Site, registration.Node, registration.TunnelEndpoint, registration.Latitude));

            // Two failure domains: the site's cluster holds the orchestrator and the worker, the root tier only its root.
            var workerSystem = SystemOf(worker);
            Assert.Equal(["site-edge1", "worker"], Cluster.Get(workerSystem).SelfRoles.Order());
            Assert.Equal("oakestra-site-edge1", workerSystem.Name);
            Assert.Equal(["orchestrator", "site-edge1"], Cluster.Get(SystemOf(orchestrator)).SelfRoles.Order());
            Eventually(() => Assert.Equal(2, Cluster.Get(workerSystem).State.Members.Count(m => m.Status == MemberStatus.Up)), TimeSpan.FromSeconds(20));
            var rootSystem = root.Services.GetRequiredService<ActorSystem>();
            Assert.Equal("oakestra-root", rootSystem.Name);
            Assert.Single(Cluster.Get(rootSystem).State.Members);

            // A placement runs; then the whole root tier goes away for longer than any failure detector waits.
            store.Read(s => s.Sites["edge1"]).Tell(new PlaceInstance(Svc.Launch(1, 0), "n1"));
            Eventually(() => Assert.Single(instanceHost.Started), TimeSpan.FromSeconds(20));
            var orchestratorSystem = SystemOf(orchestrator);
            await root.StopAsync();
            root.Dispose();
            await Task.Delay(TimeSpan.FromSeconds(12));
            Assert.False(workerSystem.WhenTerminated.IsCompleted, "the worker's ActorSystem ended with the root tier");
            Assert.False(orchestratorSystem.WhenTerminated.IsCompleted, "the orchestrator's ActorSystem ended with the root tier");
            Assert.True(instanceHost.IsRunning(Svc.InstanceId(1, 0), 1));
            Assert.Empty(instanceHost.Stopped);

            // The root comes back on the same address: the site registers again by itself and reports what runs.
            var registrations = store.ReceivedOf<RegisterSite>().Count;
            root = FakeRootTier(store, rootPort);
            await root.StartAsync();
            Eventually(() => Assert.True(store.ReceivedOf<RegisterSite>().Count > registrations), TimeSpan.FromSeconds(30));
            Eventually(() => Assert.Contains(store.ReceivedOf<SiteDigest>(), d => d.Placements.Any(p => p.InstanceId == Svc.InstanceId(1, 0) && p.Status == InstanceStatus.Running)),
                TimeSpan.FromSeconds(30));
            Assert.Same(workerSystem, SystemOf(worker));
        }
        finally
        {
            await worker.StopAsync();
            await orchestrator.StopAsync();
            await root.StopAsync();
            root.Dispose();
        }
    }

    [Fact]
    public async Task A_worker_downed_by_its_site_starts_a_new_ActorSystem_rejoins_and_adopts_what_runs()
    {
        var store = new RootStore();
        var rootPort = FreePort();
        var sitePort = FreePort();
        var site = SiteSettings(sitePort, rootPort);
        using var root = FakeRootTier(store, rootPort);
        var instanceHost = new FakeInstanceHost();
        using var orchestrator = Build(new(site) { ["Oak:Akka:Port"] = sitePort.ToString() }, (services, configuration) => services.AddOrchestrator(configuration));
        using var worker = Build(new(site) { ["Oak:Akka:Port"] = FreePort().ToString(), ["Oak:Node:Name"] = "n1" }, (services, configuration) =>
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
            Eventually(() => Assert.Single(instanceHost.Prepared), TimeSpan.FromSeconds(30));
            store.Read(s => s.Sites["edge1"]).Tell(new PlaceInstance(Svc.Launch(1, 0), "n1"));
            Eventually(() => Assert.Contains(store.ReceivedOf<InstanceStatusReport>(), r => r.Status == InstanceStatus.Running), TimeSpan.FromSeconds(20));

            // The site downs the worker's member (as its split brain resolver would on a partition).
            var first = SystemOf(worker);
            var cluster = Cluster.Get(SystemOf(orchestrator));
            cluster.Down(Cluster.Get(first).SelfAddress);
            await first.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(30));

            var incarnations = worker.Services.GetRequiredService<ActorSystemIncarnations>();
            Eventually(() => Assert.True(incarnations.Count >= 2 && incarnations.Current is not null), TimeSpan.FromSeconds(30));
            var reports = store.ReceivedOf<InstanceStatusReport>().Count;
            Eventually(() => Assert.Contains(store.ReceivedOf<InstanceStatusReport>().Skip(reports),
                r => r is { Status: InstanceStatus.Running, Epoch: 1 } && r.InstanceId == Svc.InstanceId(1, 0)), TimeSpan.FromSeconds(40));
            Assert.True(instanceHost.IsRunning(Svc.InstanceId(1, 0), 1));
            Assert.Empty(instanceHost.Stopped);
            Assert.Single(instanceHost.Started); // adopted, not started again
            Assert.True(instanceHost.Restores >= 2);
        }
        finally
        {
            await worker.StopAsync();
            await orchestrator.StopAsync();
            await root.StopAsync();
        }
    }
}
