using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Nodes.Tests.Fakes;
using Oakestra.Actors.Root.Api;
using Oakestra.Actors.Root.Entities;
using Oakestra.Actors.Root.Pools;
using Xunit.Abstractions;

namespace Oakestra.Actors.Nodes.Tests;

/// <summary>
/// `oak table &lt;node&gt;` through the real actors: the root's control plane asks (through a stand-in for its
/// site registry) the real orchestrator, which relays to the real worker; the answer is what the worker's
/// data plane was actually given and the counters the data plane reports at that moment.
/// </summary>
public class NodeTableTests(ITestOutputHelper output) : NodesTestKit(output)
{
    private ActorControlPlane ControlPlane(Lab lab)
    {
        var silent = CreateTestProbe().Ref;
        var refs = new RootRefs(new AddressPools(silent, PoolCatalog.Default(), PoolSettings.Default), RootSettings.Default)
        {
            Sites = Sys.ActorOf(SiteRegistryStub.Props(lab.Store)),
        };
        return new ActorControlPlane(refs);
    }

    [Fact]
    public async Task A_workers_table_reaches_the_root_with_the_routes_it_holds_and_the_counters_its_data_plane_reports()
    {
        using var lab = new Lab(Sys, workerSystems: 2);
        var orchestrator = lab.StartOrchestrator("a");
        var w = Enumerable.Range(1, 3).Select(i => lab.StartWorker("a", $"w{i}", orchestrator)).ToArray();
        Eventually(() => Assert.Equal(3, lab.Store.Read(s => s.Subnets.Count)));
        // Service 1 runs on w2 and w3 (one instance still unplaced); service 2 gets an instance on w1 itself.
        lab.Root.Tell(new DefineService(Svc.Routes(1, 1,
            Svc.Instance(1, 0, Svc.On(w[1], 1)), Svc.Instance(1, 1, Svc.On(w[2], 1)), Svc.Instance(1, 2, null, InstanceStatus.Pending))));
        lab.Root.Tell(new DefineService(Svc.Routes(2, 1)));
        lab.Root.Tell(new DeployInstance(Svc.Launch(2, 0), "a", "w1"));
        w[0].DataPlane.Miss(Svc.RoundRobinV4(1));
        Eventually(() =>
        {
            Assert.Equal(3, w[0].DataPlane.Service(Svc.Id(1))?.Instances.Count);
            Assert.True(w[0].DataPlane.Service(Svc.Id(2))?.Instances.SingleOrDefault()?.Local);
        });
        w[0].DataPlane.ReportedCounters = NodeCounters.None("recording") with
        {
            FlowsActive = 3, PacketsTranslated = 1234, MissesQueued = 5, DroppedTotal = 7,
            Drops = new Dictionary<string, long> { ["spoofed"] = 7, ["miss_expired"] = 0 },
        };
        var cp = ControlPlane(lab);

        var view = await TableOnceSettled(cp, w[0]);

        Assert.Equal(("a", "w1"), (view.Site, view.Node));
        var held = w[0].DataPlane.Last!;
        Assert.Equal(held.Version, view.TableVersion);
        Assert.Equal([Svc.Id(1), Svc.Id(2)], view.Services.Select(s => s.ServiceId));
        var s1 = view.Services[0];
        var rr = s1.ServiceIps.Single(ip => ip.Policy == BalancingPolicies.RoundRobin);
        Assert.Equal(Svc.RoundRobinV4(1).V4!.ToString(), rr.Ipv4);
        Assert.Equal<(string?, string, string?, string?)>(
            [(Svc.InstanceV4(1, 0).V4!.ToString(), "tunnel", "w2", "w2.lab:50103"), (Svc.InstanceV4(1, 1).V4!.ToString(), "tunnel", "w3", "w3.lab:50103"),
             (Svc.InstanceV4(1, 2).V4!.ToString(), "none", null, null)],
            s1.Instances.Select(i => ((string?)i.InstanceIpv4, i.Via, i.Node, i.TunnelEndpoint)));
        // The local instance leads to the Namespace IPs the worker gave it, as the data plane holds them.
        var local = Assert.Single(held.LocalInstances);
        var target = Assert.Single(view.Services[1].Instances);
        Assert.Equal(("local", local.NamespaceV4.ToString(), local.NamespaceV6.ToString()), (target.Via, target.NamespaceIpv4, target.NamespaceIpv6));
        var subnet = lab.Store.Read(s => s.Subnets[("a", "w1")].V4);
        Assert.True(subnet.Contains(local.NamespaceV4), $"{local.NamespaceV4} outside {subnet}");
        Assert.Equal(Svc.InstanceId(2, 0), Assert.Single(view.LocalInstances).InstanceId);
        Assert.Equal(["w2", "w3"], view.Peers.Select(p => p.Node)); // its peers: the other workers of the site

        Assert.Equal(("recording", 3L, 1234L, 5L, 7L), (view.Counters.Source, view.Counters.FlowsActive, view.Counters.PacketsTranslated,
            view.Counters.MissesQueued, view.Counters.DroppedTotal));
        Assert.Equal(7, view.Counters.Drops["spoofed"]);

        // Counters are read when asked, not remembered.
        w[0].DataPlane.ReportedCounters = w[0].DataPlane.ReportedCounters with { PacketsTranslated = 2000 };
        Assert.Equal(2000, (await cp.GetNodeTableAsync("w1", null, default)).Value!.Counters.PacketsTranslated);
    }

    [Fact]
    public async Task A_lost_worker_or_an_unknown_node_is_said_so_instead_of_waiting()
    {
        using var lab = new Lab(Sys);
        var orchestrator = lab.StartOrchestrator("a");
        var lonelySystem = lab.NewSystem("lonely");
        lab.StartWorker("a", "w1", orchestrator);
        lab.StartWorker("a", "lonely", orchestrator, system: lonelySystem);
        Eventually(() => Assert.Equal(2, lab.Store.Read(s => s.Subnets.Count)));
        var cp = ControlPlane(lab);
        Assert.True((await cp.GetNodeTableAsync("lonely", null, default)).Ok);

        await lonelySystem.Terminate();
        Eventually(() => Assert.Equal(WorkerState.Down, lab.Store.Read(s => s.WorkerStates[("a", "lonely")])));

        // The orchestrator refuses for a worker it lost or never knew…
        var refused = await orchestrator.Ask<NodeTableUnavailable>(new QueryNodeTable("a", "lonely"), Patience);
        Assert.Equal("node lonely of site a is down", refused.Reason);
        refused = await orchestrator.Ask<NodeTableUnavailable>(new QueryNodeTable("a", "ghost"), Patience);
        Assert.Contains("ghost is not registered", refused.Reason);
        // …and the root does not even ask for a node it knows is down, nor for one it never heard of.
        var down = await cp.GetNodeTableAsync("lonely", null, default);
        Assert.Equal(ControlErrorKind.Unavailable, down.Error!.Kind);
        Assert.Contains("down", down.Error.Message);
        var unknown = await cp.GetNodeTableAsync("ghost", null, default);
        Assert.Equal(ControlErrorKind.NotFound, unknown.Error!.Kind);
        Assert.Contains("ghost", unknown.Error.Message);
        Assert.True((await cp.GetNodeTableAsync("w1", null, default)).Ok);
    }

    /// <summary>The table as the root sees it once the worker has published everything the test set up.</summary>
    private async Task<NodeTableView> TableOnceSettled(ActorControlPlane cp, WorkerHandle worker)
    {
        var deadline = DateTime.UtcNow + Dilated(Patience);
        while (true)
        {
            var r = await cp.GetNodeTableAsync(worker.Node, null, default);
            Assert.True(r.Ok, r.Error?.Message);
            if (r.Value!.TableVersion == worker.DataPlane.Last?.Version || DateTime.UtcNow > deadline) return r.Value;
            await Task.Delay(50);
        }
    }
}
