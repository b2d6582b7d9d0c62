using System.Net;
using Oakestra.Actors.Root.Api;
using Xunit.Abstractions;

namespace Oakestra.Actors.Nodes.Tests.Tiers;

/// <summary>
/// A worker refused at its site (issue 14 item 5, its tunnel endpoint does not resolve), through the real root,
/// orchestrator and worker processes: `oak nodes` shows it Refused with the reason, the site's other worker works on.
/// </summary>
public class RefusedWorkerTests(ITestOutputHelper output) : NodesTestKit(output)
{
    [Fact]
    public async Task The_node_list_shows_a_worker_whose_tunnel_endpoint_does_not_resolve_as_Refused_with_the_reason()
    {
        await using var lab = new ControlPlaneLab();
        await lab.StartRootAsync();
        lab.StartSite("site1");
        var w1 = lab.StartWorker("site1", "w1");
        lab.StartWorker("site1", "w9", tunnelEndpoint: "w9.invalid:50103");
        var cp = lab.ControlPlane;

        IReadOnlyList<NodeView> nodes = [];
        await ControlPlaneLab.WaitAsync(TimeSpan.FromSeconds(60), async () =>
        {
            nodes = await cp.ListNodesAsync(default);
            return nodes.Any(n => n is { Node: "w1", Status: "Up" }) && nodes.Any(n => n is { Node: "w9", Status: "Refused" });
        }, "w1 Up and w9 Refused in the node list");
        var w9 = nodes.Single(n => n.Node == "w9");
        Assert.Equal(("site1", "w9.invalid:50103", null), (w9.Cluster, w9.TunnelEndpoint, w9.SubnetV4));
        Assert.Contains("'w9.invalid:50103'", w9.Reason);
        Assert.Null(nodes.Single(n => n.Node == "w1").Reason);

        // The site works on: an instance deployed to w1 runs.
        var created = await cp.CreateServicesAsync([new ServiceSpec("app", "ns", "web", "ns", "process", "sleep infinity", null, null, null,
            new Dictionary<string, IPAddress>())], default);
        Assert.True(created.Ok, created.Error?.Message);
        Assert.True((await cp.DeployInstancesAsync(created.Value![0].Id, 1, "w1", default)).Ok);
        await ControlPlaneLab.WaitAsync(TimeSpan.FromSeconds(30), () => Task.FromResult(w1.Instances.Started.Count == 1), "the instance started on w1");
    }
}
