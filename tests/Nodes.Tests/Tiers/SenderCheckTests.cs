using System.Net;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Oakestra.Actors.ClusterOrchestrator.Actors;
using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Discovery;
using Oakestra.Actors.Contracts.Hosting;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Root.Api;
using Oakestra.Actors.Root.Entities;
using Oakestra.Actors.WorkerNode.Actors;
using Xunit.Abstractions;

namespace Oakestra.Actors.Nodes.Tests.Tiers;

/// <summary>
/// Contract messages from senders that may not send them change nothing (docs/DESIGN.md §5, Trust): the real root, one site
/// with two workers (the real processes' hosting, fake instances), and a rogue ActorSystem that reaches every port
/// over remoting, as a process that got past the transport would. Each attack is followed by a check that it had no
/// effect after a few seconds, and the system keeps working for the real senders.
/// </summary>
public class SenderCheckTests(ITestOutputHelper output) : NodesTestKit(output)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(3);

    private static ServiceSpec Spec(string name) =>
        new("app", "ns", name, "ns", "process", "sleep infinity", null, null, null, new Dictionary<string, IPAddress>());

    private static ActorSystem Rogue(string name)
    {
        var config = ConfigurationFactory.ParseString("""
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp.hostname = 127.0.0.1
            akka.remote.dot-netty.tcp.port = 0
            akka.loglevel = WARNING
            akka.stdout-loglevel = WARNING
            """).WithFallback(ConfigurationFactory.ParseString(NodeRoles.SerializationHocon));
        return ActorSystem.Create(name, config);
    }

    /// <summary>The ActorSystem a site process runs now (sites rebuild theirs after a downing: see ActorSystemIncarnations).</summary>
    private static ActorSystem SystemOf(Microsoft.Extensions.Hosting.IHost host) =>
        host.Services.GetRequiredService<ActorSystemIncarnations>().Current ?? throw new InvalidOperationException("no ActorSystem runs");

    private static Address AddressOf(Microsoft.Extensions.Hosting.IHost host) => Cluster.Get(SystemOf(host)).SelfAddress;

    private sealed class Sink : ReceiveActor
    {
        public Sink(List<object> got) => ReceiveAny(m => { lock (got) got.Add(m); });
    }

    private async Task<(ControlPlaneLab Lab, InstanceView Instance)> SiteWithOneInstanceOnW1Async()
    {
        var lab = new ControlPlaneLab();
        await lab.StartRootAsync();
        lab.StartSite("site1");
        lab.StartWorker("site1", "w1");
        lab.StartWorker("site1", "w2");
        var cp = lab.ControlPlane;
        await WaitAsync(TimeSpan.FromSeconds(60), async () => (await cp.ListNodesAsync(default)).Count(n => n.Status == "Up") == 2, "two workers Up");
        var created = await cp.CreateServicesAsync([Spec("victim")], default);
        Assert.True(created.Ok, created.Error?.Message);
        Assert.True((await cp.DeployInstancesAsync(created.Value![0].Id, 1, "w1", default)).Ok);
        InstanceView? running = null;
        await WaitAsync(TimeSpan.FromSeconds(30), async () =>
        {
            running = (await cp.GetServiceAsync(created.Value[0].Id, default)).Value!.Instances.SingleOrDefault(i => i.Status == "Running");
            return running is not null;
        }, "the instance Running on w1");
        Assert.Equal("w1", running!.Placement!.Node);
        return (lab, running);
    }

    private static async Task<InstanceView> InstanceAsync(ControlPlaneLab lab, InstanceView i) =>
        (await lab.ControlPlane.GetServiceAsync(i.ServiceId, default)).Value!.Instances.Single(x => x.Id == i.Id);

    [Fact]
    public async Task A_StartInstance_or_StopInstance_not_from_the_orchestrator_starts_and_stops_nothing()
    {
        var (lab, victim) = await SiteWithOneInstanceOnW1Async();
        await using var _ = lab;
        using var rogue = Rogue(OakClusterSettings.SiteSystemName("site1"));
        var w1 = lab.Workers.Single(w => w.Node == "w1");
        var worker = rogue.ActorSelection(new RootActorPath(AddressOf(w1.Host)) / "user" / WorkerAgent.Name);
        var started = w1.Instances.Started.Count;

        var evil = new InstanceLaunch("evil.ns.x.ns.0", "evil.ns.x.ns", 0, Ipv4Address.Parse("10.30.9.9"), Ipv6Address.Parse("fdff:2000::9:9"),
            "touch /tmp/oak-owned", null, 1);
        worker.Tell(new StartInstance(evil));
        worker.Tell(new StopInstance(victim.Id, victim.Epoch, TimeSpan.Zero));
        await Task.Delay(Settle);

        Assert.Equal(started, w1.Instances.Started.Count);
        Assert.True(w1.Instances.IsRunning(victim.Id, victim.Epoch), "the rogue StopInstance stopped the victim");
        Assert.Equal("Running", (await InstanceAsync(lab, victim)).Status);

        // The real orchestrator still reaches the worker.
        var other = await lab.ControlPlane.CreateServicesAsync([Spec("other")], default);
        Assert.True((await lab.ControlPlane.DeployInstancesAsync(other.Value![0].Id, 1, "w1", default)).Ok);
        await WaitAsync(TimeSpan.FromSeconds(30), () => Task.FromResult(w1.Instances.Started.Count == started + 1), "a real placement on w1");
    }

    [Fact]
    public async Task A_log_read_not_from_the_orchestrator_is_not_answered()
    {
        var (lab, victim) = await SiteWithOneInstanceOnW1Async();
        await using var _ = lab;
        var w1 = lab.Workers.Single(w => w.Node == "w1");
        w1.Instances.WriteLog(victim.Id, "secret\n");
        using var rogue = Rogue(OakClusterSettings.SiteSystemName("site1"));
        var got = new List<object>();
        var sink = rogue.ActorOf(Props.Create(() => new Sink(got)));
        var worker = rogue.ActorSelection(new RootActorPath(AddressOf(w1.Host)) / "user" / WorkerAgent.Name);

        worker.Tell(new ReadInstanceLog("site1", "w1", victim.Id, 0, null, ReadInstanceLog.MaxChunkBytes), sink);
        await Task.Delay(Settle);
        lock (got) Assert.Empty(got);

        // Through the root and the real orchestrator it is read.
        var chunk = await lab.ControlPlane.ReadInstanceLogAsync(victim.Id, 0, null, default);
        Assert.Equal("secret\n", chunk.Value!.Text);
    }

    [Fact]
    public async Task A_forged_status_report_leaves_the_route_owner_where_it_runs()
    {
        var (lab, victim) = await SiteWithOneInstanceOnW1Async();
        await using var _ = lab;
        var w2 = lab.Workers.Single(w => w.Node == "w2");
        var site = lab.Workers.Single(w => w.Node == "w1").Host;
        var orchestratorAddress = Cluster.Get(SystemOf(site)).State.Members
            .Single(m => m.HasRole(OakestraRoles.Orchestrator)).Address;
        var forged = new Placement("site1", "w2", Ipv4Address.Parse("10.18.0.99"), null, "w2.lab:50103", victim.Epoch);
        var report = new InstanceStatusReport(victim.Id, victim.Epoch, InstanceStatus.Running, forged);

        // From a registered worker (w2's own agent as the sender) about an epoch handed to w1.
        var w2System = SystemOf(w2.Host);
        var w2Agent = await w2System.ActorSelection("/user/" + WorkerAgent.Name).ResolveOne(TimeSpan.FromSeconds(10));
        w2System.ActorSelection(new RootActorPath(orchestratorAddress) / "user" / OrchestratorActor.Name).Tell(report, w2Agent);
        // From a system that is no worker at all, to the orchestrator and straight to the root tier.
        using var rogue = Rogue(OakClusterSettings.SiteSystemName("site1"));
        rogue.ActorSelection(new RootActorPath(orchestratorAddress) / "user" / OrchestratorActor.Name).Tell(report);
        var rootAddress = Cluster.Get(lab.RootSystem).SelfAddress;
        rogue.ActorSelection(new RootActorPath(rootAddress) / "user" / RootGateway.Name).Tell(report);
        // A root-only message from a worker's ActorSystem.
        w2System.ActorSelection(new RootActorPath(orchestratorAddress) / "user" / OrchestratorActor.Name)
            .Tell(new StopInstance(victim.Id, victim.Epoch, TimeSpan.Zero), w2Agent);
        await Task.Delay(Settle);

        var now = await InstanceAsync(lab, victim);
        Assert.Equal(("Running", "w1", "w1.lab:50103"), (now.Status, now.Placement!.Node, now.Placement.TunnelEndpoint));
        Assert.True(lab.Workers.Single(w => w.Node == "w1").Instances.IsRunning(victim.Id, victim.Epoch));
    }

    [Fact]
    public async Task Another_system_cannot_take_over_a_site_whose_orchestrator_is_heard()
    {
        var (lab, victim) = await SiteWithOneInstanceOnW1Async();
        await using var _ = lab;
        using var rogue = Rogue(OakClusterSettings.SiteSystemName("site1"));
        var got = new List<object>();
        var impostor = rogue.ActorOf(Props.Create(() => new Sink(got)), OrchestratorActor.Name);
        var gateway = rogue.ActorSelection(new RootActorPath(Cluster.Get(lab.RootSystem).SelfAddress) / "user" / RootGateway.Name);
        gateway.Tell(new RegisterSite("site1", impostor), impostor);
        gateway.Tell(new SiteHeartbeat("site1", impostor, 1, 0), impostor);
        await Task.Delay(Settle);
        lock (got) Assert.DoesNotContain(got, m => m is SiteRegistered or SiteHeartbeatAck);

        // Placements still go to the real site: a new instance runs on w2.
        Assert.True((await lab.ControlPlane.DeployInstancesAsync(victim.ServiceId, 1, "w2", default)).Ok);
        var w2 = lab.Workers.Single(w => w.Node == "w2");
        await WaitAsync(TimeSpan.FromSeconds(30), () => Task.FromResult(w2.Instances.Started.Count == 1), "a placement on w2 through the real orchestrator");
        lock (got) Assert.DoesNotContain(got, m => m is PlaceInstance);
    }

    private static async Task WaitAsync(TimeSpan within, Func<Task<bool>> done, string what)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await done())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"not within {within.TotalSeconds:0} s: {what}");
            await Task.Delay(250);
        }
    }
}
