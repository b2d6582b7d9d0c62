using Akka.Actor;
using Akka.Configuration;
using Oakestra.Actors.ClusterOrchestrator.Actors;
using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.WorkerNode.Actors;
using OrchestratorLink = Oakestra.Actors.Contracts.Discovery.UpstreamLink;
using WorkerLink = Oakestra.Actors.Contracts.Discovery.UpstreamLink;

namespace Oakestra.Actors.Nodes.Tests.Fakes;

public sealed record WorkerHandle(string Site, string Node, IActorRef Agent, FakeInstanceHost Host, RecordingDataPlane DataPlane, ActorSystem System)
{
    public string Endpoint => $"{Node}.lab:50103";
}

/// <summary>
/// Several ActorSystems in one process, wired by fixed links (no remoting): the fake root in the
/// TestKit's system, orchestrators in one system, workers spread over a few systems.
/// </summary>
public sealed class Lab : IDisposable
{
    private static readonly Config Quiet = ConfigurationFactory.ParseString("akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING");
    private readonly ActorSystem _rootSystem;
    private readonly List<ActorSystem> _systems = new();
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

    public ActorSystem NewSystem(string name)
    {
        var system = ActorSystem.Create(name, Quiet);
        _systems.Add(system);
        return system;
    }

    /// <summary>A root (again): a restarted one recovers everything from the store.</summary>
    public IActorRef StartRoot() => Root = _rootSystem.ActorOf(FakeRoot.Props(Store), $"root-gateway-{++_roots}");

    public IActorRef StartOrchestrator(string site, string? name = null) =>
        OrchestratorSystem.ActorOf(
            OrchestratorActor.Props(new OrchestratorSettings(site) { RetryInterval = TimeSpan.FromMilliseconds(500) }, OrchestratorLink.Fixed(Root)),
            name ?? $"orchestrator-{site}");

    public WorkerHandle StartWorker(string site, string node, IActorRef orchestrator, ActorSystem? system = null,
        TimeSpan? expiry = null, double latitude = 0, double longitude = 0)
    {
        system ??= WorkerSystems[Workers.Count % WorkerSystems.Count];
        var host = new FakeInstanceHost();
        var dataPlane = new RecordingDataPlane();
        var settings = new WorkerSettings(site, node, $"{node}.lab:50103", latitude, longitude)
        {
            InterestExpiry = expiry ?? TimeSpan.FromSeconds(10),
            PollInterval = TimeSpan.FromMilliseconds(50),
            RetryInterval = TimeSpan.FromMilliseconds(500),
        };
        var agent = system.ActorOf(WorkerAgent.Props(settings, host, dataPlane, WorkerLink.Fixed(orchestrator)), $"worker-{node}");
        var handle = new WorkerHandle(site, node, agent, host, dataPlane, system);
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
