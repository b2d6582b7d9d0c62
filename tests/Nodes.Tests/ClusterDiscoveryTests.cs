using Akka.Cluster;
using Akka.Configuration;
using Oakestra.Actors.ClusterOrchestrator.Actors;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Nodes.Tests.Fakes;
using Oakestra.Actors.WorkerNode.Actors;
using Xunit.Abstractions;
using OrchestratorDiscovery = Oakestra.Actors.Contracts.Discovery;
using WorkerDiscovery = Oakestra.Actors.Contracts.Discovery;

namespace Oakestra.Actors.Nodes.Tests;

/// <summary>
/// The discovery contract over a real Akka cluster (remoting on loopback, Hyperion for the protocol):
/// roles root / orchestrator / worker plus site-&lt;name&gt;, well-known paths /user/root-gateway and
/// /user/orchestrator. Several ActorSystems in one process.
/// </summary>
public class ClusterDiscoveryTests(ITestOutputHelper output) : NodesTestKit(output)
{
    private readonly List<ActorSystem> _systems = new();

    private ActorSystem Member(string name, params string[] roles)
    {
        var config = ConfigurationFactory.ParseString($$"""
            akka.loglevel = WARNING
            akka.stdout-loglevel = WARNING
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp.hostname = 127.0.0.1
            akka.remote.dot-netty.tcp.port = 0
            akka.cluster.roles = [{{string.Join(",", roles.Select(r => $"\"{r}\""))}}]
            akka.cluster.min-nr-of-members = 1
            akka.coordinated-shutdown.exit-clr = off
            """).WithFallback(ConfigurationFactory.ParseString(OrchestratorDiscovery.NodeRoles.SerializationHocon));
        var system = ActorSystem.Create("oakestra", config);
        _systems.Add(system);
        return system;
    }

    [Fact]
    public async Task Orchestrators_find_the_root_and_workers_find_their_sites_orchestrator_by_role_and_well_known_path()
    {
        try
        {
            var store = new RootStore();
            var rootSystem = Member("root", "root");
            rootSystem.ActorOf(FakeRoot.Props(store), "root-gateway");
            var seed = Cluster.Get(rootSystem).SelfAddress;
            Cluster.Get(rootSystem).Join(seed);

            var orchestratorA = Member("orch-a", "orchestrator", "site-a");
            var orchestratorB = Member("orch-b", "orchestrator", "site-b");
            var workerSystem = Member("w1", "worker", "site-a");
            foreach (var s in new[] { orchestratorA, orchestratorB, workerSystem }) Cluster.Get(s).Join(seed);

            var toRoot = OrchestratorDiscovery.UpstreamLink.ViaCluster(
                new OrchestratorDiscovery.ClusterUpstream([OrchestratorDiscovery.NodeRoles.Root], OrchestratorDiscovery.NodeRoles.RootGatewayPath));
            orchestratorA.ActorOf(OrchestratorActor.Props(new OrchestratorSettings("a") { RetryInterval = TimeSpan.FromMilliseconds(500) }, toRoot), OrchestratorActor.Name);
            orchestratorB.ActorOf(OrchestratorActor.Props(new OrchestratorSettings("b") { RetryInterval = TimeSpan.FromMilliseconds(500) }, toRoot), OrchestratorActor.Name);

            var host = new FakeInstanceHost();
            var dataPlane = new RecordingDataPlane();
            var toOrchestrator = WorkerDiscovery.UpstreamLink.ViaCluster(new WorkerDiscovery.ClusterUpstream(
                [WorkerDiscovery.NodeRoles.Orchestrator, WorkerDiscovery.NodeRoles.SiteRole("a")], WorkerDiscovery.NodeRoles.OrchestratorPath));
            var settings = new WorkerSettings("a", "w1", "127.0.0.1:50103")
                { PollInterval = TimeSpan.FromMilliseconds(50), RetryInterval = TimeSpan.FromMilliseconds(500) };
            workerSystem.ActorOf(WorkerAgent.Props(settings, host, dataPlane, toOrchestrator), WorkerAgent.Name);

            var join = TimeSpan.FromSeconds(30);
            Eventually(() => Assert.Equal(["a", "b"], store.Read(s => s.Sites.Keys.Order().ToArray())), join);
            Eventually(() => Assert.Single(host.Prepared), join);
            Assert.Equal([("a", "w1")], store.Read(s => s.Subnets.Keys.ToArray()));

            // Placement and reports across the cluster.
            var rootGateway = await rootSystem.ActorSelection("/user/root-gateway").ResolveOne(TimeSpan.FromSeconds(5));
            rootGateway.Tell(new DefineService(Svc.Routes(1, 1)));
            rootGateway.Tell(new DeployInstance(Svc.Launch(1, 0), "a", null));
            Eventually(() => Assert.Equal(("a", "w1", 1L), store.Read(s =>
            {
                var owner = s.Services[Svc.Id(1)].Instances.Single().Owner;
                return (owner?.Cluster, owner?.Node, owner?.Epoch ?? 0);
            })));

            // A table query across the cluster.
            rootGateway.Tell(new DefineService(Svc.Routes(2, 5)));
            dataPlane.Miss(Svc.ClosestV6(2));
            Eventually(() => Assert.Equal(5, dataPlane.Service(Svc.Id(2))?.Version));

            // The worker leaves: its site's orchestrator tells the root, and its instance is Failed.
            store.AutoReplace = false;
            Shutdown(workerSystem, TimeSpan.FromSeconds(20));
            Eventually(() => Assert.Equal(WorkerState.Down, store.Read(s => s.WorkerStates[("a", "w1")])), join);
            Eventually(() => Assert.Contains(store.ReceivedOf<InstanceStatusReport>(), r => r is { Status: InstanceStatus.Failed, Epoch: 1 }));
        }
        finally
        {
            foreach (var s in _systems) Shutdown(s, TimeSpan.FromSeconds(20));
        }
    }
}
