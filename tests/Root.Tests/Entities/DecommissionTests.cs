using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Root.Entities.Sites;
using Oakestra.Actors.Root.Tests.Api;

namespace Oakestra.Actors.Root.Tests.Entities;

/// <summary>
/// Subnets of a decommissioned worker (issue 14 item 7): a node Down for the decommission grace is forgotten and its
/// subnets go back to the pool, to be handed out again after their quarantine; before the grace they stay its own.
/// </summary>
[Collection(RootProcessCollection.Name)]
public sealed class DecommissionTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan Grace = TimeSpan.FromHours(24);

    private static SiteRegistryState WithNode(string node, WorkerState state = WorkerState.Up) =>
        SiteRegistryState.Empty.Apply(new NodeRecorded(new NodeRecord("a", node, Ipv4Prefix.Parse("10.18.0.0/26"), Ipv6Prefix.Parse("fc00::/120"),
            "10.0.0.1:50103", 0, 0, state)));

    [Fact]
    public void A_node_Down_for_the_grace_is_decommissioned_and_not_before()
    {
        var state = WithNode("w1").Apply(new NodeStateRecorded("a", "w1", WorkerState.Down, T0));
        Assert.Empty(state.Decommissionable(T0 + Grace - TimeSpan.FromSeconds(1), Grace, T0));
        // The site saying Down again does not restart the grace.
        state = state.Apply(new NodeStateRecorded("a", "w1", WorkerState.Down, T0 + TimeSpan.FromHours(1)));
        Assert.Equal(["w1"], state.Decommissionable(T0 + Grace, Grace, T0).Select(n => n.Node));

        state = state.Apply(new NodeDecommissioned("a", "w1"));
        Assert.Empty(state.Nodes);
    }

    [Fact]
    public void A_node_that_came_back_or_never_went_Down_is_not_decommissioned()
    {
        var back = WithNode("w1").Apply(new NodeStateRecorded("a", "w1", WorkerState.Down, T0))
            .Apply(new NodeStateRecorded("a", "w1", WorkerState.Up, T0 + TimeSpan.FromHours(2)));
        Assert.Empty(back.Decommissionable(T0 + 2 * Grace, Grace, T0));
        Assert.Null(back.Nodes["a/w1"].DownSinceUtc);
        var unreachable = WithNode("w1").Apply(new NodeStateRecorded("a", "w1", WorkerState.Unreachable, T0));
        Assert.Empty(unreachable.Decommissionable(T0 + 2 * Grace, Grace, T0));
        // Zero grace: never.
        var down = WithNode("w1").Apply(new NodeStateRecorded("a", "w1", WorkerState.Down, T0));
        Assert.Empty(down.Decommissionable(T0 + 2 * Grace, TimeSpan.Zero, T0));
    }

    [Fact]
    public void A_Down_recorded_before_decommissioning_existed_counts_from_recovery()
    {
        var old = WithNode("w1").Apply(new NodeStateRecorded("a", "w1", WorkerState.Down));
        var recovered = T0 + TimeSpan.FromDays(30);
        Assert.Empty(old.Decommissionable(recovered + Grace - TimeSpan.FromSeconds(1), Grace, recovered));
        Assert.Single(old.Decommissionable(recovered + Grace, Grace, recovered));
    }

    [Fact]
    public async Task A_decommissioned_nodes_subnets_are_handed_out_again_after_their_quarantine()
    {
        await using var root = await RootProcess.StartAsync(null, null, "--Oak:Root:NodeDecommissionGraceSeconds=2");
        var orchestrator = new FakeOrchestrator(root, "site1").Register();
        var w1 = orchestrator.AddWorker("w1");
        var w2 = orchestrator.AddWorker("w2");
        Assert.NotEqual(w1.SubnetV4, w2.SubnetV4);

        root.Gateway.Tell(new WorkerStateChanged("site1", "w1", WorkerState.Down), orchestrator.Ref);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await root.ControlPlane.ListNodesAsync(default)).Any(n => n.Node == "w1"))
        {
            Assert.True(DateTime.UtcNow < deadline, "w1 was not decommissioned within 30 s");
            await Task.Delay(200);
        }
        Assert.Contains(await root.ControlPlane.ListNodesAsync(default), n => n.Node == "w2");

        // In quarantine: a new worker gets other subnets; after it, w1's.
        var w3 = orchestrator.AddWorker("w3");
        Assert.DoesNotContain(w3.SubnetV4, new[] { w1.SubnetV4, w2.SubnetV4 });
        Assert.DoesNotContain(w3.SubnetV6, new[] { w1.SubnetV6, w2.SubnetV6 });
        root.Clock.Advance(TimeSpan.FromSeconds(61));
        var w4 = orchestrator.AddWorker("w4");
        Assert.Equal((w1.SubnetV4, w1.SubnetV6), (w4.SubnetV4, w4.SubnetV6));
    }
}
