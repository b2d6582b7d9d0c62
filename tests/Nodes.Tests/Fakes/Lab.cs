using Akka.Actor;
using Akka.Configuration;
using Oakestra.Actors.ClusterOrchestrator.Actors;
using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.WorkerNode.Actors;
using Oakestra.Actors.ClusterOrchestrator.Link;
using WorkerLink = Oakestra.Actors.Contracts.Discovery.UpstreamLink;

namespace Oakestra.Actors.Nodes.Tests.Fakes;

public sealed record WorkerHandle(
    string Site, string Node, IActorRef Agent, FakeInstanceHost Host, RecordingDataPlane DataPlane, ActorSystem System,
    Oakestra.Actors.WorkerNode.Memory.NodeMemory Memory)
{
    public string Endpoint => $"{Node}.lab:50103";
}

/// <summary>
/// Several ActorSystems in one process. By default wired by fixed links (no remoting): the fake root in the
/// TestKit's system, orchestrators in one system, workers spread over a few systems. <see cref="Tiered"/>: the
/// failure domains of docs/DESIGN.md §3 instead: the fake root in a root tier cluster of its own (behind the ClusterClient
/// receptionist), every site a cluster of its own holding its orchestrator and workers, and each orchestrator's
/// link to the root a real ClusterClient over remoting.
/// </summary>
public sealed class Lab : IDisposable
{
    private static readonly Config Quiet = ConfigurationFactory.ParseString(Environment.GetEnvironmentVariable("OAK_TEST_LOG") == "1" ? "akka.loglevel = INFO" : "akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING");
    private readonly ActorSystem _rootSystem;
    private readonly List<ActorSystem> _systems = new();
    private readonly Dictionary<string, ActorSystem> _sites = new();
    private readonly bool _tiered;
    private int _roots;

    public RootStore Store { get; } = new();
    public IActorRef Root { get; private set; }
    public ActorSystem OrchestratorSystem { get; }
    public IReadOnlyList<ActorSystem> WorkerSystems { get; }
    public List<WorkerHandle> Workers { get; } = new();

    public Lab(ActorSystem rootSystem, int workerSystems = 1)
    {
        _rootSystem = rootSystem;
        Root = StartRoot();
        OrchestratorSystem = NewSystem("orchestrators");
        WorkerSystems = Enumerable.Range(0, workerSystems).Select(i => NewSystem($"workers{i}")).ToArray();
    }

    private Lab(bool tiered)
    {
        _tiered = tiered;
        _rootSystem = TierSystem(Contracts.Hosting.OakClusterSettings.RootSystemName, Contracts.Hosting.OakestraRoles.Root);
        Root = StartRoot();
        Akka.Cluster.Tools.Client.ClusterClientReceptionist.Get(_rootSystem).RegisterService(Root);
        OrchestratorSystem = _rootSystem;
        WorkerSystems = [];
    }

    /// <summary>The failure domains: a root tier cluster and one cluster per site, over real remoting on loopback.</summary>
    public static Lab Tiered() => new(tiered: true);

    private ActorSystem TierSystem(string name, string role)
    {
        var config = ConfigurationFactory.ParseString($$"""
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp.hostname = 127.0.0.1
            akka.remote.dot-netty.tcp.port = 0
            akka.cluster.roles = ["{{role}}"]
            akka.coordinated-shutdown.exit-clr = off
            akka.cluster.client.use-legacy-serialization = off
            akka.cluster.client.buffer-size = 0
            akka.cluster.client.receptionist.role = "{{Contracts.Hosting.OakestraRoles.Root}}"
            """).WithFallback(Quiet).WithFallback(ConfigurationFactory.ParseString(Contracts.Discovery.NodeRoles.SerializationHocon))
            // As Akka.Cluster.Hosting does: the ClusterClient serializer bindings must be there when the system starts.
            .WithFallback(Akka.Cluster.Tools.Client.ClusterClientReceptionist.DefaultConfig())
            .WithFallback(Akka.Cluster.Tools.PublishSubscribe.DistributedPubSub.DefaultConfig());
        var system = ActorSystem.Create(name, config);
        var cluster = Akka.Cluster.Cluster.Get(system);
        cluster.Join(cluster.SelfAddress);
        _systems.Add(system);
        return system;
    }

    private string RootReceptionist => $"{Akka.Cluster.Cluster.Get(_rootSystem).SelfAddress}/system/receptionist";

    private ActorSystem SiteSystem(string site) =>
        _sites.TryGetValue(site, out var s) ? s
            : _sites[site] = TierSystem(Contracts.Hosting.OakClusterSettings.SiteSystemName(site), Contracts.Hosting.OakestraRoles.Orchestrator);

    /// <summary>How long an orchestrator of this lab waits for a lost worker to come back.</summary>
    public TimeSpan WorkerGrace { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A root link that notices a restarted root within a second (and tolerates a loaded machine).</summary>
    public static readonly RootLinkSettings FastLink = new() { HeartbeatInterval = TimeSpan.FromMilliseconds(300), Timeout = TimeSpan.FromSeconds(6) };

    public ActorSystem NewSystem(string name)
    {
        var system = ActorSystem.Create(name, Quiet);
        _systems.Add(system);
        return system;
    }

    /// <summary>A root (again): a restarted one recovers everything from the store.</summary>
    public IActorRef StartRoot() => Root = _rootSystem.ActorOf(FakeRoot.Props(Store),
        // Behind the receptionist the gateway has its well-known name (and a restart in the tiered lab is a new root tier).
        _tiered ? "root-gateway" : $"root-gateway-{++_roots}");

    public IActorRef StartOrchestrator(string site, string? name = null) =>
        (_tiered ? SiteSystem(site) : OrchestratorSystem).ActorOf(
            OrchestratorActor.Props(new OrchestratorSettings(site)
                {
                    RetryInterval = TimeSpan.FromMilliseconds(500),
                    WorkerGrace = WorkerGrace,
                    DigestInterval = TimeSpan.FromSeconds(1),
                    LookupTunnelEndpoint = LabTunnelNames.Lookup,
                },
                RootLink.Props(site, _tiered ? new RootTransport.ViaClusterClient([RootReceptionist]) : new RootTransport.Fixed(Root), FastLink)),
            name ?? $"orchestrator-{site}");

    public WorkerHandle StartWorker(string site, string node, IActorRef orchestrator, ActorSystem? system = null,
        TimeSpan? expiry = null, double latitude = 0, double longitude = 0, WorkerHandle? restartOf = null, string? tunnelEndpoint = null)
    {
        system ??= _tiered ? SiteSystem(site) : WorkerSystems[Workers.Count % WorkerSystems.Count];
        // A restart of a worker keeps what belongs to its process (instances, forwarding loop, memory).
        var host = restartOf?.Host ?? new FakeInstanceHost();
        var dataPlane = restartOf?.DataPlane ?? new RecordingDataPlane();
        var memory = restartOf?.Memory ?? Oakestra.Actors.WorkerNode.Memory.NodeMemory.InProcess();
        var settings = new WorkerSettings(site, node, tunnelEndpoint ?? $"{node}.lab:50103", latitude, longitude)
        {
            InterestExpiry = expiry ?? TimeSpan.FromSeconds(10),
            PollInterval = TimeSpan.FromMilliseconds(50),
            RetryInterval = TimeSpan.FromMilliseconds(500),
            DigestInterval = TimeSpan.FromSeconds(1),
        };
        var agent = system.ActorOf(WorkerAgent.Props(settings, host, dataPlane, WorkerLink.Fixed(orchestrator), memory),
            restartOf is null ? $"worker-{node}" : $"worker-{node}-{Guid.NewGuid():N}");
        var handle = new WorkerHandle(site, node, agent, host, dataPlane, system, memory);
        Workers.Add(handle);
        return handle;
    }

    public void Dispose()
    {
        foreach (var system in _systems) system.Terminate().Wait(TimeSpan.FromSeconds(10));
    }
}

/// <summary>Services with predictable addresses: service n owns 10.30.(n/32).(n%32*8 + …) and the matching IPv6.</summary>
public static class Svc
{
    public static string Id(int n) => $"app.ns.svc{n}.ns";

    private static Ipv4Address V4(int n, int slot) => Ipv4Address.Parse("10.30.0.0").Add((ulong)(n * 8 + slot));
    private static Ipv6Address V6(int n, int slot) => Ipv6Address.Parse("fdff:2000::").Add((UInt128)(n * 8 + slot));

    public static RouteKey RoundRobinV4(int n) => new(V4(n, 0), null);
    public static RouteKey ClosestV6(int n) => new(null, V6(n, 1));
    public static RouteKey InstanceV4(int n, int number) => new(V4(n, 2 + number), null);
    public static RouteKey InstanceV6(int n, int number) => new(null, V6(n, 2 + number));

    public static string InstanceId(int n, int number) => $"{Id(n)}.{number}";

    public static InstanceLaunch Launch(int n, int number, long epoch = 1) =>
        new(InstanceId(n, number), Id(n), number, V4(n, 2 + number), V6(n, 2 + number), "sleep infinity", 80, epoch);

    public static InstanceRoute Instance(int n, int number, Placement? owner, InstanceStatus status = InstanceStatus.Running) =>
        new(InstanceId(n, number), number, V4(n, 2 + number), V6(n, 2 + number), status, owner);

    public static Placement On(WorkerHandle w, long epoch) =>
        new(w.Site, w.Node, Ipv4Address.Parse("10.18.0.2"), Ipv6Address.Parse("fc00::2"), w.Endpoint, epoch);

    public static ServiceRoutes Routes(int n, long version, params InstanceRoute[] instances) =>
        new(Id(n), version,
            [new ServiceAddress(BalancingPolicies.RoundRobin, V4(n, 0), V6(n, 0)), new ServiceAddress(BalancingPolicies.Closest, V4(n, 1), V6(n, 1))],
            instances);
}
