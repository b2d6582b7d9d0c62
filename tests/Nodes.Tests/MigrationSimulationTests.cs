using System.Diagnostics;
using Oakestra.Actors.ClusterOrchestrator.Link;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Nodes.Tests.Fakes;
using Xunit.Abstractions;

namespace Oakestra.Actors.Nodes.Tests;

public class MigrationSimulationTests(ITestOutputHelper output) : NodesTestKit(output)
{
    private readonly ITestOutputHelper _log = output;
    private const int WorkerCount = 50, ServiceCount = 200, InstancesPerService = 2;

    [Fact]
    public void Fifty_workers_follow_repeated_migrations_of_200_services_under_continuous_queries_and_end_with_the_roots_routes()
    {
        using var lab = Lab.Tiered(); // root tier and two site clusters, ClusterClient links over remoting
        var orchestrators = new Dictionary<string, IActorRef> { ["a"] = lab.StartOrchestrator("a"), ["b"] = lab.StartOrchestrator("b") };
        var workers = Enumerable.Range(0, WorkerCount).Select(i =>
        {
            var site = i < WorkerCount / 2 ? "a" : "b";
            return lab.StartWorker(site, $"w{i:00}", orchestrators[site], expiry: TimeSpan.FromSeconds(2));
        }).ToArray();
        Eventually(() => Assert.Equal(WorkerCount, lab.Store.Read(s => s.Subnets.Count)), TimeSpan.FromSeconds(20));
        foreach (var o in orchestrators.Values)
            Eventually(() => Assert.True(o.Ask<RootLinkStatus>(GetRootLinkStatus.Instance, TimeSpan.FromSeconds(5)).Result.Connected), TimeSpan.FromSeconds(20));

        var random = new Random(4711);
        var epochs = new long[ServiceCount, InstancesPerService];
        var owners = new WorkerHandle[ServiceCount, InstancesPerService];
        for (var s = 0; s < ServiceCount; s++)
        {
            var instances = new InstanceRoute[InstancesPerService];
            for (var i = 0; i < InstancesPerService; i++)
            {
                epochs[s, i] = 1;
                owners[s, i] = workers[random.Next(WorkerCount)];
                instances[i] = Svc.Instance(s, i, Svc.On(owners[s, i], 1));
            }
            lab.Root.Tell(new DefineService(Svc.Routes(s, 1, instances)));
        }

        RouteKey[] KeysOf(int s) => [Svc.RoundRobinV4(s), Svc.ClosestV6(s), Svc.InstanceV4(s, 0), Svc.InstanceV6(s, 1)];
        int migrations = 0, queries = 0;
        // A fixed amount of work, not a fixed time: a loaded machine does the same test, only slower.
        for (var round = 0; round < 300; round++)
        {
            for (var q = 0; q < 10; q++)
            {
                var w = workers[random.Next(WorkerCount)];
                var s = random.Next(ServiceCount);
                var key = KeysOf(s)[random.Next(4)];
                if (!w.DataPlane.Holds(Svc.Id(s))) w.DataPlane.Miss(key);
                w.DataPlane.Traffic(key, DateTime.UtcNow + TimeSpan.FromMilliseconds(random.Next(200, 3000)));
                queries++;
            }
            for (var m = 0; m < 2; m++)
            {
                var s = random.Next(ServiceCount);
                var i = random.Next(InstancesPerService);
                if (random.Next(10) == 0)
                    // make-before-break: the old placement is Migrating first, the switch follows
                    lab.Root.Tell(new ChangeService(Svc.Id(s), [new InstanceUpserted(
                        Svc.Instance(s, i, Svc.On(owners[s, i], epochs[s, i]), InstanceStatus.Migrating))]));
                owners[s, i] = workers[random.Next(WorkerCount)];
                var moved = new InstanceUpserted(Svc.Instance(s, i, Svc.On(owners[s, i], ++epochs[s, i])));
                lab.Root.Tell(new ChangeService(Svc.Id(s), [moved], random.Next(20) == 0 ? Delivery.Twice : Delivery.Normal));
                migrations++;
            }
            Thread.Sleep(5);
        }
        foreach (var w in workers) w.DataPlane.KeepTraffic();

        Eventually(() =>
        {
            // Converged means holding what the kept traffic asks for, at the root's versions: a worker whose
            // table was not published yet holds nothing, and nothing trivially matches the root.
            var entriesNow = workers.Sum(w => w.DataPlane.Last?.Services.Count ?? 0);
            Assert.True(entriesNow > WorkerCount, $"only {entriesNow} service entries held so far");
            var root = lab.Store.Read(s => s.Services.ToDictionary(x => x.Key, x => x.Value));
            foreach (var w in workers)
            foreach (var held in w.DataPlane.Last!.Services)
            {
                var truth = root[held.ServiceId];
                Assert.True(truth.Version == held.Version, $"{w.Node} holds {held.ServiceId} at {held.Version}, the root at {truth.Version}");
                Assert.Equal(
                    truth.Instances.Select(i => (i.InstanceId, (string?)i.Owner!.Node, i.Owner.Epoch, i.Status)),
                    held.Instances.Select(i => (i.InstanceId, i.Node, i.Epoch, i.Status)));
                Assert.True(lab.Store.IsSubscribed(held.ServiceId, w.Site), $"{w.Node} holds {held.ServiceId} but site {w.Site} is not subscribed");
            }
        }, TimeSpan.FromSeconds(20));

        _log.WriteLine("root received: " + string.Join(", ", lab.Store.Received.GroupBy(m => m.GetType().Name).Select(g => $"{g.Key} {g.Count()}")));
        var entries = workers.Sum(w => w.DataPlane.Last!.Services.Count);
        _log.WriteLine($"{migrations} migrations, {queries} queries, {entries} service entries held at the end, " +
                         $"{workers.Sum(w => w.DataPlane.PublishCount)} tables published, " +
                         $"{lab.Store.ReceivedOf<RequestServiceSnapshot>().Count} snapshot requests at the root");
        Assert.True(entries > WorkerCount, $"only {entries} service entries held at the end: the simulation did not exercise the tables");
        Assert.All(workers, w => Assert.Empty(w.DataPlane.Violations));
    }
}
