using System.Net;
using System.Text.Json;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Root.Api;
using Oakestra.Actors.Root.Tests.Api;
using Oakestra.Actors.Root.Tests.Persistence;

namespace Oakestra.Actors.Root.Tests.Entities;

/// <summary>A full stop of the root process and a fresh start on the same SQLite file.</summary>
[Collection(RootProcessCollection.Name)]
public sealed class RecoveryTests
{
    // Snapshots every 3 events, so recovery reads snapshots of every entity kind plus the events after them.
    private static readonly string[] Settings = ["--Oak:Root:SnapshotEvery=3"];

    [Fact]
    public async Task Services_instances_versions_epochs_sites_and_addresses_survive_a_full_restart_and_nothing_is_allocated_twice()
    {
        var dataDir = TestRoot.NewDataDir();
        var clock = new ManualClock();
        try
        {
            string servicesBefore, nodesBefore;
            HashSet<string> addressesBefore;
            string runningId;
            long runningEpoch;
            await using (var root = await RootProcess.StartAsync(dataDir, clock, Settings))
            {
                Assert.Equal(HttpStatusCode.Created, (await root.PostJson("/api/v1/applications", Slas.One("alpha", addresses: """{"rr_ip":"10.30.1.1","closest_ip_v6":"fdff:1000::99"}"""))).StatusCode);
                Assert.Equal(HttpStatusCode.Created, (await root.PostJson("/api/v1/applications", Slas.One("beta"))).StatusCode);
                var orchestrator = new FakeOrchestrator(root, "site1").Register();
                orchestrator.AddWorker("w1");
                var alpha = (await root.ControlPlane.DeployInstancesAsync(Slas.ServiceId("alpha"), 3, null, default)).Value!;
                await root.ControlPlane.DeployInstancesAsync(Slas.ServiceId("beta"), 1, null, default);
                var place = orchestrator.ExpectPlace(alpha[0].Id);
                orchestrator.Report(alpha[0].Id, place.Launch.Epoch, InstanceStatus.Running, "w1");
                await root.ControlPlane.UndeployInstanceAsync(alpha[2].Id, default);
                runningId = alpha[0].Id;
                runningEpoch = place.Launch.Epoch;
                await WaitUntil(async () => (await root.ControlPlane.GetServiceAsync(Slas.ServiceId("alpha"), default)).Value!
                    .Instances.Any(i => i.Id == runningId && i.Status == "Running"));

                // The services' copies of their instances' routes catch up with the entities (a placement's report may
                // still be on its way): the listing compared after the restart is the settled one.
                await WaitUntil(async () =>
                {
                    foreach (var i in (await root.ControlPlane.ListServicesAsync(default)).SelectMany(s => s.Instances))
                        if ((await root.ControlPlane.GetInstanceAsync(i.Id, default)).Value is not { } entity || entity.Epoch != i.Epoch || entity.Status != i.Status)
                            return false;
                    return true;
                });
                var services = await root.ControlPlane.ListServicesAsync(default);
                servicesBefore = JsonSerializer.Serialize(services);
                nodesBefore = JsonSerializer.Serialize(await NodesAsync(root));
                addressesBefore = AddressesOf(services).Append(alpha[2].InstanceIpv4!).Append(alpha[2].InstanceIpv6!).ToHashSet();
            }

            await using (var root = await RootProcess.StartAsync(dataDir, clock, Settings))
            {
                var services = await root.ControlPlane.ListServicesAsync(default);
                Assert.Equal(servicesBefore, JsonSerializer.Serialize(services));
                Assert.Equal(nodesBefore, JsonSerializer.Serialize(await NodesAsync(root)));

                // Epochs survived: the current placement is accepted, an older epoch is fenced off.
                var orchestrator = new FakeOrchestrator(root, "site1").Register();
                orchestrator.Report(runningId, runningEpoch - 1, InstanceStatus.Running, "w9");
                Assert.Equal(runningEpoch, orchestrator.Take<StaleEpoch>().CurrentEpoch);

                // Numbers are never reused and no address is handed out twice (nor the quarantined ones).
                var more = (await root.ControlPlane.DeployInstancesAsync(Slas.ServiceId("alpha"), 2, null, default)).Value!;
                Assert.Equal([3, 4], more.Select(i => i.Number));
                var created = await root.PostJson("/api/v1/applications", Slas.One("gamma"));
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
                var gamma = (await root.ControlPlane.GetServiceAsync(Slas.ServiceId("gamma"), default)).Value!;
                var fresh = AddressesOf([gamma]).Concat(more.SelectMany(i => new[] { i.InstanceIpv4!, i.InstanceIpv6! })).ToList();
                Assert.Equal(fresh.Count, fresh.Distinct().Count());
                Assert.Empty(fresh.Intersect(addressesBefore));

                var taken = await root.PostJson("/api/v1/applications", Slas.One("delta", addresses: """{"rr_ip":"10.30.1.1"}"""));
                Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
            }
        }
        finally
        {
            TestRoot.DeleteDataDir(dataDir);
        }
    }

    private static IEnumerable<string> AddressesOf(IEnumerable<ServiceView> services) =>
        services.SelectMany(s => s.ServiceIps.SelectMany(ip => new[] { ip.Ipv4!, ip.Ipv6! })
            .Concat(s.Instances.SelectMany(i => new[] { i.InstanceIpv4!, i.InstanceIpv6! })));

    private static async Task WaitUntil(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 100; i++)
        {
            if (await condition()) return;
            await Task.Delay(100);
        }
        Assert.Fail("condition not reached");
    }

    /// <summary>The nodes as the journal keeps them: when a site was last heard is this process's observation, not state.</summary>
    private static async Task<IReadOnlyList<Oakestra.Actors.Root.Api.NodeView>> NodesAsync(RootProcess root) =>
        (await root.ControlPlane.ListNodesAsync(default)).Select(n => n with { LastHeard = null }).ToArray();
}
