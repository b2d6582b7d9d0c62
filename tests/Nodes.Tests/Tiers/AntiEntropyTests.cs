using System.Diagnostics;
using System.Net;
using Oakestra.Actors.Root.Api;
using Xunit.Abstractions;

namespace Oakestra.Actors.Nodes.Tests.Tiers;

/// <summary>
/// Lost messages are repaired without a human: the orchestrator drops one in ten ServiceDelta, PlaceInstance and
/// StopInstance it receives (the test switch), and 100 operations later everything has converged anyway.
/// </summary>
public class AntiEntropyTests(ITestOutputHelper output) : NodesTestKit(output)
{
    private readonly ITestOutputHelper _log = output;
    private static readonly string[] Nodes = ["w1", "w2", "w3"];

    private static ServiceSpec Spec(int n) =>
        new("app", "ns", $"svc{n}", "ns", "process", "sleep infinity", null, null, null, new Dictionary<string, IPAddress>());

    [Fact]
    public async Task With_one_in_ten_deltas_placements_and_stops_dropped_100_operations_converge_within_30_s()
    {
        await using var lab = new ControlPlaneLab();
        lab.SiteSettings["Oak:Test:DropOneIn"] = "10";
        await lab.StartRootAsync();
        lab.StartSite("site1");
        foreach (var node in Nodes) lab.StartWorker("site1", node);
        var cp = lab.ControlPlane;
        await WaitAsync(TimeSpan.FromSeconds(60), async () => (await cp.ListNodesAsync(default)).Count(n => n.Status == "Up") == 3, "three workers Up");

        var random = new Random(1234);
        var services = new List<string>();
        var operations = new Dictionary<string, int>();
        void Count(string op) => operations[op] = operations.GetValueOrDefault(op) + 1;
        var next = 0;
        for (var op = 0; op < 100; op++)
        {
            var roll = random.Next(100);
            if (services.Count < 2 || roll < 15)
            {
                var created = await cp.CreateServicesAsync([Spec(next++)], default);
                Assert.True(created.Ok, created.Error?.Message);
                var id = created.Value![0].Id;
                services.Add(id);
                Assert.True((await cp.DeployInstancesAsync(id, 2, null, default)).Ok);
                Count("deploy");
            }
            else if (roll < 45)
            {
                var id = services[random.Next(services.Count)];
                var scaled = await cp.ScaleAsync(id, random.Next(1, 5), null, default);
                Assert.True(scaled.Ok, scaled.Error?.Message);
                Count("scale");
            }
            else if (roll < 80)
            {
                var service = (await cp.GetServiceAsync(services[random.Next(services.Count)], default)).Value!;
                var running = service.Instances.Where(i => i is { Status: "Running", Placement: not null, MigrationTarget: null }).ToList();
                if (running.Count == 0) { Count("migrate-skipped"); continue; }
                var instance = running[random.Next(running.Count)];
                var target = Nodes.Where(n => n != instance.Placement!.Node).ElementAt(random.Next(2));
                var moved = await cp.MigrateAsync(instance.Id, target, default);
                Count(moved.Ok ? "migrate" : "migrate-refused");
            }
            else if (roll < 92)
            {
                var service = (await cp.GetServiceAsync(services[random.Next(services.Count)], default)).Value!;
                if (service.Instances.Count == 0) { Count("undeploy-skipped"); continue; }
                Assert.True((await cp.UndeployInstanceAsync(service.Instances[random.Next(service.Instances.Count)].Id, default)).Ok);
                Count("undeploy");
            }
            else
            {
                var id = services[random.Next(services.Count)];
                Assert.True((await cp.DeleteServiceAsync(id, default)).Ok);
                services.Remove(id);
                Count("delete");
            }
            await Task.Delay(random.Next(20, 200));
        }
        _log.WriteLine($"operations: {string.Join(", ", operations.OrderBy(o => o.Key).Select(o => $"{o.Key} {o.Value}"))}");

        var clock = Stopwatch.StartNew();
        string? lastDifference = null;
        await WaitAsync(TimeSpan.FromSeconds(30), async () => (lastDifference = await DifferenceAsync(lab)) is null,
            "every placement and every table as the root has them", () => lastDifference);
        _log.WriteLine($"converged {clock.Elapsed.TotalSeconds:F1} s after the last operation");
    }

    /// <summary>What still differs between the root and the site (null when nothing does).</summary>
    private static async Task<string?> DifferenceAsync(ControlPlaneLab lab)
    {
        var services = await lab.ControlPlane.ListServicesAsync(default);
        var expected = new HashSet<(string Node, string Instance, long Epoch)>();
        foreach (var s in services)
        foreach (var i in s.Instances)
        {
            if (i.Status != "Running" || i.Placement is null || i.MigrationTarget is not null)
                return $"{i.Id} is {i.Status}{(i.MigrationTarget is null ? "" : " migrating")}";
            expected.Add((i.Placement.Node, i.Id, i.Placement.Epoch));
        }
        foreach (var w in lab.Workers)
        {
            var runs = w.Instances.Running.Select(r => (w.Node, r.Instance, r.Epoch)).ToHashSet();
            var mine = expected.Where(e => e.Node == w.Node).ToHashSet();
            if (!runs.SetEquals(mine))
                return $"{w.Node} runs [{string.Join(", ", runs.Except(mine).Select(r => $"{r.Instance}@{r.Epoch}"))}] it should not " +
                       $"and lacks [{string.Join(", ", mine.Except(runs).Select(r => $"{r.Instance}@{r.Epoch}"))}]";
            var table = w.DataPlane.Last;
            foreach (var s in services.Where(s => s.Instances.Any(i => i.Placement?.Node == w.Node)))
                if (table?.Services.FirstOrDefault(t => t.ServiceId == s.Id)?.Version != s.Version)
                    return $"{w.Node} holds {s.Id} at {table?.Services.FirstOrDefault(t => t.ServiceId == s.Id)?.Version.ToString() ?? "nothing"}, the root at {s.Version}";
        }
        return null;
    }

    private static async Task WaitAsync(TimeSpan within, Func<Task<bool>> done, string what, Func<string?>? why = null)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await done())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"not within {within.TotalSeconds:0} s: {what}{(why?.Invoke() is { } w ? $" ({w})" : "")}");
            await Task.Delay(250);
        }
    }
}
