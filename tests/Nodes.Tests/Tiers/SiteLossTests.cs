using System.Net;
using Oakestra.Actors.Root.Api;
using Xunit.Abstractions;

namespace Oakestra.Actors.Nodes.Tests.Tiers;

/// <summary>
/// A site that stays silent: its nodes show Unreachable after the silence time, its instances run on another site
/// (same Instance IPs, new epochs) after the grace, and when it comes back its stale placements are stopped.
/// </summary>
public class SiteLossTests(ITestOutputHelper output) : NodesTestKit(output)
{
    private readonly ITestOutputHelper _log = output;

    [Fact]
    public async Task A_lost_sites_instances_move_to_another_site_and_its_stale_placements_stop_when_it_returns()
    {
        await using var lab = new ControlPlaneLab();
        await lab.StartRootAsync("--Oak:Root:SiteSilenceSeconds=4", "--Oak:Root:SiteGraceSeconds=4");
        lab.StartSite("site1");
        lab.StartSite("site2");
        var w1 = lab.StartWorker("site1", "w1");
        lab.StartWorker("site2", "w2");
        var cp = lab.ControlPlane;
        await Until(TimeSpan.FromSeconds(60), async () => (await cp.ListNodesAsync(default)).Count(n => n.Status == "Up") == 2, "both workers Up");

        var created = await cp.CreateServicesAsync(
            [new ServiceSpec("app", "ns", "svc", "ns", "process", "sleep infinity", null, null, null, new Dictionary<string, IPAddress>())], default);
        Assert.True(created.Ok, created.Error?.Message);
        var id = created.Value![0].Id;
        Assert.True((await cp.DeployInstancesAsync(id, 2, null, default)).Ok);
        InstanceView? onSite1 = null;
        await Until(TimeSpan.FromSeconds(30), async () =>
        {
            var s = (await cp.GetServiceAsync(id, default)).Value!;
            onSite1 = s.Instances.FirstOrDefault(i => i is { Status: "Running", Placement.Cluster: "site1" });
            return s.Instances.All(i => i.Status == "Running") && onSite1 is not null;
        }, "both instances Running, one on site1");
        var lost = onSite1!;

        await lab.StopSiteAsync("site1");
        var silentAt = DateTime.UtcNow;
        await Until(TimeSpan.FromSeconds(30), async () =>
            (await cp.ListNodesAsync(default)).Single(n => n.Node == "w1").Status == "Unreachable", "w1 Unreachable");
        _log.WriteLine($"w1 Unreachable {(DateTime.UtcNow - silentAt).TotalSeconds:F1} s after its site went silent");

        InstanceView? moved = null;
        await Until(TimeSpan.FromSeconds(40), async () =>
        {
            moved = (await cp.GetServiceAsync(id, default)).Value!.Instances.Single(i => i.Id == lost.Id);
            return moved is { Status: "Running", Placement.Cluster: "site2" };
        }, $"{lost.Id} Running on site2");
        _log.WriteLine($"{lost.Id} Running on site2 {(DateTime.UtcNow - silentAt).TotalSeconds:F1} s after its site went silent");
        Assert.Equal((lost.InstanceIpv4, lost.InstanceIpv6), (moved!.InstanceIpv4, moved.InstanceIpv6));
        Assert.True(moved.Epoch > lost.Epoch);
        Assert.Equal("lost", (await cp.ListSitesAsync(default)).Single(s => s.Site == "site1").Link);

        // The site comes back with what it ran: the stale epoch is stopped, nothing else is touched.
        Assert.True(w1.Instances.IsRunning(lost.Id, lost.Epoch));
        lab.StartSite("site1");
        lab.StartWorker("site1", "w1", restartOf: w1);
        await Until(TimeSpan.FromSeconds(30), () => Task.FromResult(!w1.Instances.IsRunning(lost.Id, lost.Epoch)), "the stale placement on w1 stopped");
        await Until(TimeSpan.FromSeconds(30), async () => (await cp.ListSitesAsync(default)).Single(s => s.Site == "site1").Link == "connected", "site1 connected");
        var final = (await cp.GetServiceAsync(id, default)).Value!.Instances.Single(i => i.Id == lost.Id);
        Assert.Equal(("site2", moved.Epoch), (final.Placement!.Cluster, final.Epoch));
    }

    private static async Task Until(TimeSpan within, Func<Task<bool>> done, string what)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await done())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"not within {within.TotalSeconds:0} s: {what}");
            await Task.Delay(250);
        }
    }
}
