using System.Net;
using Akka.Actor;
using Akka.TestKit;
using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Root.Api;
using Oakestra.Actors.Root.Tests.Api;

namespace Oakestra.Actors.Root.Tests.Entities;

/// <summary>Service and Instance entities as orchestrators and API users see them.</summary>
[Collection(RootProcessCollection.Name)]
public sealed class ServiceEntityTests : IAsyncLifetime
{
    private RootProcess _root = null!;

    public async Task InitializeAsync() => _root = await RootProcess.StartAsync();

    public async Task DisposeAsync() => await _root.DisposeAsync();

    private async Task<ServiceView> Create(string app, string addresses = "{}")
    {
        var r = await _root.PostJson("/api/v1/applications", Slas.One(app, addresses: addresses));
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        return (await _root.ControlPlane.GetServiceAsync(Slas.ServiceId(app), default)).Value!;
    }

    private async Task<IReadOnlyList<InstanceView>> Deploy(string serviceId, int count, string? node = null)
    {
        var r = await _root.ControlPlane.DeployInstancesAsync(serviceId, count, node, default);
        Assert.True(r.Ok, r.Error?.Message);
        return r.Value!;
    }

    [Fact]
    public async Task A_new_service_gets_one_ipv4_and_one_ipv6_service_ip_per_balancing_policy()
    {
        var s = await Create("ips");
        Assert.Equal(BalancingPolicies.All, s.ServiceIps.Select(i => i.Policy));
        var v4 = Ipv4Prefix.Parse("10.30.0.0/16");
        var v6 = new Dictionary<string, Ipv6Prefix>
        {
            [BalancingPolicies.RoundRobin] = Ipv6Prefix.Parse("fdff:2000::/21"),
            [BalancingPolicies.Closest] = Ipv6Prefix.Parse("fdff:1000::/21"),
        };
        foreach (var ip in s.ServiceIps)
        {
            Assert.True(v4.Contains(Ipv4Address.Parse(ip.Ipv4!)), ip.Ipv4);
            Assert.True(v6[ip.Policy].Contains(Ipv6Address.Parse(ip.Ipv6!)), ip.Ipv6);
        }
        Assert.Equal(s.ServiceIps.Count, s.ServiceIps.Select(i => i.Ipv4).Distinct().Count());
    }

    [Fact]
    public async Task Versions_grow_by_one_per_change_and_every_delta_starts_where_the_previous_ended()
    {
        var s = await Create("chain");
        var orchestrator = new FakeOrchestrator(_root, "site1").Register();
        orchestrator.AddWorker("w1");
        var snapshot = orchestrator.Subscribe(s.Id);
        Assert.Equal(1, snapshot.Version);

        var instances = await Deploy(s.Id, 2);                                  // v2
        var place0 = orchestrator.ExpectPlace(instances[0].Id);
        orchestrator.ExpectPlace(instances[1].Id);
        orchestrator.Report(instances[0].Id, place0.Launch.Epoch, InstanceStatus.Starting, "w1"); // v3
        orchestrator.Report(instances[0].Id, place0.Launch.Epoch, InstanceStatus.Running, "w1");  // v4
        orchestrator.Report(instances[0].Id, place0.Launch.Epoch, InstanceStatus.Running, "w1");  // no change, no delta
        Assert.True((await _root.ControlPlane.ScaleAsync(s.Id, 1, null, default)).Ok);               // v5
        Assert.True((await _root.ControlPlane.UndeployInstanceAsync(instances[0].Id, default)).Ok);  // v6

        var deltas = new List<ServiceDelta>();
        while (deltas.Count == 0 || deltas[^1].ToVersion < 6)
            deltas.Add(orchestrator.Take<ServiceDelta>(d => d.ServiceId == s.Id));

        Assert.Equal([2L, 3, 4, 5, 6], deltas.Select(d => d.ToVersion));
        var routes = snapshot;
        foreach (var d in deltas)
        {
            Assert.Equal(routes.Version, d.FromVersion);
            Assert.Equal(d.FromVersion + 1, d.ToVersion);
            routes = d.ApplyTo(routes);
        }
        Assert.Empty(routes.Instances);

        _root.Gateway.Tell(new RequestServiceSnapshot(s.Id, "site1", orchestrator.Ref), orchestrator.Ref);
        var full = orchestrator.Take<ServiceRoutesSnapshot>(x => x.Routes.ServiceId == s.Id).Routes;
        Assert.Equal(6, full.Version);
        Assert.Equal(full.Addresses, routes.Addresses);
        Assert.Equal(full.Instances, routes.Instances);
        Assert.DoesNotContain(orchestrator.Drain(TimeSpan.FromMilliseconds(300)), m => m is ServiceDelta);
    }

    [Fact]
    public async Task An_instance_stays_pending_without_a_site_and_is_placed_when_one_registers()
    {
        var s = await Create("waiting");
        var instance = (await Deploy(s.Id, 1))[0];
        var pending = await _root.ControlPlane.GetInstanceAsync(instance.Id, default);
        Assert.Equal("Pending", pending.Value!.Status);
        Assert.Equal(0, pending.Value.Epoch);

        var orchestrator = new FakeOrchestrator(_root, "late").Register();
        Assert.DoesNotContain(orchestrator.Drain(TimeSpan.FromMilliseconds(500)), m => m is PlaceInstance); // no Up worker: nothing placed
        orchestrator.AddWorker("w1");
        var place = orchestrator.ExpectPlace(instance.Id);
        Assert.Equal(1, place.Launch.Epoch);
        Assert.Equal(instance.InstanceIpv4, place.Launch.InstanceV4.ToString());
        Assert.Equal(instance.InstanceIpv6, place.Launch.InstanceV6.ToString());
        Assert.Equal("oak-demo --port 80", place.Launch.Code);
        Assert.Equal(80, place.Launch.Port);
    }

    [Fact]
    public async Task A_deploy_naming_a_node_goes_to_the_site_of_that_node()
    {
        var s = await Create("pinned");
        var a = new FakeOrchestrator(_root, "siteA").Register();
        a.AddWorker("wa");
        var b = new FakeOrchestrator(_root, "siteB").Register();
        b.AddWorker("wb");
        var instance = (await Deploy(s.Id, 1, node: "wb"))[0];
        var place = b.ExpectPlace(instance.Id);
        Assert.Equal("wb", place.Node);
        Assert.DoesNotContain(a.Drain(TimeSpan.FromMilliseconds(300)), m => m is PlaceInstance);

        var nodes = await _root.ControlPlane.ListNodesAsync(default);
        Assert.Equal(["wa", "wb"], nodes.Select(n => n.Node));
        Assert.All(nodes, n => Assert.Equal("Up", n.Status));
        Assert.NotEqual(nodes[0].SubnetV4, nodes[1].SubnetV4);
    }

    [Fact]
    public async Task Migration_is_make_before_break_and_the_old_epoch_is_fenced_off()
    {
        var s = await Create("move");
        var orchestrator = new FakeOrchestrator(_root, "site1").Register();
        orchestrator.AddWorker("w1");
        orchestrator.AddWorker("w2");
        orchestrator.Subscribe(s.Id);
        var instance = (await Deploy(s.Id, 1, node: "w1"))[0];
        var first = orchestrator.ExpectPlace(instance.Id);
        orchestrator.Report(instance.Id, first.Launch.Epoch, InstanceStatus.Running, "w1");
        orchestrator.Take<ServiceDelta>(d => d.Changes.OfType<InstanceUpserted>().Any(u => u.Instance.Owner?.Node == "w1"));

        var migrating = await _root.ControlPlane.MigrateAsync(instance.Id, "w2", default);
        Assert.True(migrating.Ok, migrating.Error?.Message);
        Assert.Equal("Migrating", migrating.Value!.Status);
        Assert.Equal("w2", migrating.Value.MigrationTarget!.Node);
        Assert.Equal("w1", migrating.Value.Placement!.Node);

        var second = orchestrator.ExpectPlace(instance.Id);
        Assert.Equal(first.Launch.Epoch + 1, second.Launch.Epoch);
        Assert.Equal("w2", second.Node);
        Assert.Equal(first.Launch.InstanceV4, second.Launch.InstanceV4);
        Assert.Equal(first.Launch.InstanceV6, second.Launch.InstanceV6);

        // Starting on the target changes nothing for the old placement: no stop yet.
        orchestrator.Report(instance.Id, second.Launch.Epoch, InstanceStatus.Starting, "w2");
        Assert.DoesNotContain(orchestrator.Drain(TimeSpan.FromSeconds(1)), m => m is StopInstance);

        orchestrator.Report(instance.Id, second.Launch.Epoch, InstanceStatus.Running, "w2");
        var afterSwitch = new List<object>();
        while (afterSwitch.LastOrDefault() is not StopInstance)
            afterSwitch.Add(orchestrator.Probe.ReceiveOne(orchestrator.Probe.Dilated(TimeSpan.FromSeconds(20))) ?? throw new TimeoutException("no StopInstance"));
        var switchDelta = afterSwitch.FindIndex(m => m is ServiceDelta d &&
            d.Changes.OfType<InstanceUpserted>().Any(u => u.Instance.Owner?.Node == "w2" && u.Instance.Status == InstanceStatus.Running));
        var stopIndex = afterSwitch.Count - 1;
        Assert.True(switchDelta >= 0 && switchDelta < stopIndex, "the switch delta must go out before the old placement is stopped");
        var stop = (StopInstance)afterSwitch[stopIndex];
        Assert.Equal(first.Launch.Epoch, stop.Epoch);
        Assert.True(stop.Drain > TimeSpan.Zero);

        // The old node reports again: refused, and the instance stays on w2.
        orchestrator.Report(instance.Id, first.Launch.Epoch, InstanceStatus.Running, "w1");
        var stale = orchestrator.Take<StaleEpoch>();
        Assert.Equal(first.Launch.Epoch, stale.ReportedEpoch);
        Assert.Equal(second.Launch.Epoch, stale.CurrentEpoch);
        var now = (await _root.ControlPlane.GetInstanceAsync(instance.Id, default)).Value!;
        Assert.Equal("Running", now.Status);
        Assert.Equal("w2", now.Placement!.Node);
        Assert.Null(now.MigrationTarget);
    }

    [Fact]
    public async Task Migrating_an_instance_that_is_not_running_is_a_conflict()
    {
        var s = await Create("early");
        var instance = (await Deploy(s.Id, 1))[0];
        var r = await _root.ControlPlane.MigrateAsync(instance.Id, "w2", default);
        Assert.Equal(ControlErrorKind.Conflict, r.Error!.Kind);
    }

    [Fact]
    public async Task A_failed_instance_is_placed_again_with_a_new_epoch_and_the_same_instance_ips()
    {
        var s = await Create("phoenix");
        var orchestrator = new FakeOrchestrator(_root, "site1").Register();
        orchestrator.AddWorker("w1");
        var instance = (await Deploy(s.Id, 1))[0];
        var first = orchestrator.ExpectPlace(instance.Id);
        orchestrator.Report(instance.Id, first.Launch.Epoch, InstanceStatus.Running, "w1");
        orchestrator.Report(instance.Id, first.Launch.Epoch, InstanceStatus.Failed, "w1");

        var again = orchestrator.ExpectPlace(instance.Id);
        Assert.Equal(first.Launch.Epoch + 1, again.Launch.Epoch);
        Assert.Equal(first.Launch.InstanceV4, again.Launch.InstanceV4);
        Assert.Equal(first.Launch.InstanceV6, again.Launch.InstanceV6);

        // The lost placement cannot come back.
        orchestrator.Report(instance.Id, first.Launch.Epoch, InstanceStatus.Running, "w1");
        Assert.Equal(first.Launch.Epoch, orchestrator.Take<StaleEpoch>().ReportedEpoch);
    }

    [Fact]
    public async Task An_instance_that_crashes_right_after_it_runs_is_placed_again_ever_later_and_shows_its_next_attempt()
    {
        // Measured before: `sleep 0.5; exit 1` reached epoch 7 within 10 s, since every Running report reset the backoff.
        var s = await Create("crashloop");
        var orchestrator = new FakeOrchestrator(_root, "site1").Register();
        orchestrator.AddWorker("w1");
        var instance = (await Deploy(s.Id, 1))[0];
        var placedAt = new List<DateTime>();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            PlaceInstance place;
            try { place = orchestrator.Take<PlaceInstance>(p => p.Launch.InstanceId == instance.Id, TimeSpan.FromSeconds(20) - watch.Elapsed); }
            catch (TimeoutException) { break; }
            placedAt.Add(DateTime.UtcNow);
            orchestrator.Report(instance.Id, place.Launch.Epoch, InstanceStatus.Running, "w1");
            await Task.Delay(200);
            orchestrator.Report(instance.Id, place.Launch.Epoch, InstanceStatus.Failed, "w1");
        }
        // 1 + 2 + 4 + 8 s of backoff between the first five placements: at most 5 in 20 s (the old code made ~16).
        Assert.InRange(placedAt.Count, 3, 5);
        var gaps = placedAt.Zip(placedAt.Skip(1), (a, b) => (b - a).TotalSeconds).ToList();
        Assert.True(gaps.Zip(gaps.Skip(1), (a, b) => b > a * 1.5).All(x => x), "gaps between placements grow: " + string.Join(", ", gaps.Select(g => g.ToString("F1"))));

        var view = (await _root.ControlPlane.GetInstanceAsync(instance.Id, default)).Value!;
        Assert.Equal("CrashLoop", view.Status);
        Assert.NotNull(view.NextAttemptAt);
        Assert.True(view.NextAttemptAt > DateTimeOffset.UtcNow, $"next attempt {view.NextAttemptAt:O} is in the future");
    }

    [Fact]
    public async Task A_worker_that_goes_down_loses_its_placements_and_they_are_placed_again()
    {
        var s = await Create("survivor");
        var orchestrator = new FakeOrchestrator(_root, "site1").Register();
        orchestrator.AddWorker("w1");
        orchestrator.AddWorker("w2");
        var instance = (await Deploy(s.Id, 1))[0];
        var first = orchestrator.ExpectPlace(instance.Id);
        orchestrator.Report(instance.Id, first.Launch.Epoch, InstanceStatus.Running, "w1");
        for (var i = 0; i < 100 && (await _root.ControlPlane.ListNodesAsync(default)).Single(n => n.Node == "w1").Instances == 0; i++)
            await Task.Delay(100);

        _root.Gateway.Tell(new WorkerStateChanged("site1", "w1", WorkerState.Down), orchestrator.Ref);
        var again = orchestrator.ExpectPlace(instance.Id);
        Assert.Equal(first.Launch.Epoch + 1, again.Launch.Epoch);
        Assert.Equal(first.Launch.InstanceV4, again.Launch.InstanceV4);
        Assert.Equal("Down", (await _root.ControlPlane.ListNodesAsync(default)).Single(n => n.Node == "w1").Status);
    }

    [Fact]
    public async Task A_new_node_location_reaches_the_nodes_orchestrator_and_the_node_list()
    {
        var orchestrator = new FakeOrchestrator(_root, "site1").Register();
        orchestrator.AddWorker("w1");
        var r = await _root.Http.PutAsync("/api/v1/nodes/w1/location",
            new StringContent("""{"latitude":52.5,"longitude":13.4}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var update = orchestrator.Take<UpdateWorkerLocation>();
        Assert.Equal(("site1", "w1", 52.5, 13.4), (update.Site, update.Node, update.Latitude, update.Longitude));
        var node = (await _root.ControlPlane.ListNodesAsync(default)).Single();
        Assert.Equal((52.5, 13.4), (node.Latitude, node.Longitude));
        var bad = await _root.Http.PutAsync("/api/v1/nodes/w1/location",
            new StringContent("""{"latitude":95,"longitude":13.4}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Undeploy_stops_the_placement_and_quarantines_the_instance_ips()
    {
        var s = await Create("gone");
        var orchestrator = new FakeOrchestrator(_root, "site1").Register();
        orchestrator.AddWorker("w1");
        var instance = (await Deploy(s.Id, 1))[0];
        var place = orchestrator.ExpectPlace(instance.Id);
        orchestrator.Report(instance.Id, place.Launch.Epoch, InstanceStatus.Running, "w1");

        var stopped = await _root.ControlPlane.UndeployInstanceAsync(instance.Id, default);
        Assert.Equal("Stopped", stopped.Value!.Status);
        var stop = orchestrator.Take<StopInstance>(m => m.InstanceId == instance.Id);
        Assert.Equal(place.Launch.Epoch, stop.Epoch);

        await AssertQuarantined(instance.InstanceIpv4!);
        Assert.Empty((await _root.ControlPlane.GetServiceAsync(s.Id, default)).Value!.Instances);
    }

    [Fact]
    public async Task Delete_undeploys_every_instance_and_quarantines_every_address()
    {
        var s = await Create("doomed");
        var orchestrator = new FakeOrchestrator(_root, "site1").Register();
        orchestrator.AddWorker("w1");
        orchestrator.Subscribe(s.Id);
        var instances = await Deploy(s.Id, 2);
        foreach (var i in instances) orchestrator.ExpectPlace(i.Id);

        var deleted = await _root.ControlPlane.DeleteServiceAsync(s.Id, default);
        Assert.True(deleted.Ok);
        var stopped = new HashSet<string>();
        while (stopped.Count < 2) stopped.Add(orchestrator.Take<StopInstance>().InstanceId);
        Assert.Equal(instances.Select(i => i.Id).ToHashSet(), stopped);
        orchestrator.Take<ServiceDelta>(d => d.Changes.OfType<ServiceDeleted>().Any());

        await AssertQuarantined(s.ServiceIps[0].Ipv4!);
        await AssertQuarantined(instances[1].InstanceIpv4!);
        // After the quarantine the address can be had again.
        _root.Clock.Advance(TimeSpan.FromSeconds(61));
        var reuse = await _root.PostJson("/api/v1/applications", Slas.One("reuse", addresses: $$"""{"rr_ip":"{{s.ServiceIps[0].Ipv4}}"}"""));
        Assert.Equal(HttpStatusCode.Created, reuse.StatusCode);
    }

    [Fact]
    public async Task ResolveRoute_finds_the_service_by_service_ip_or_instance_ip_and_registers_the_interest()
    {
        var s = await Create("resolve");
        var instance = (await Deploy(s.Id, 1))[0];
        var orchestrator = new FakeOrchestrator(_root, "site9");

        var bySip = new RouteKey(Ipv4Address.Parse(s.ServiceIps[1].Ipv4!), null);
        _root.Gateway.Tell(new ResolveRoute("site9", orchestrator.Ref, bySip), orchestrator.Ref);
        var found = orchestrator.Take<RouteFound>();
        Assert.Equal(s.Id, found.Routes.ServiceId);
        Assert.Equal(bySip, found.Address);

        var byIip = new RouteKey(null, Ipv6Address.Parse(instance.InstanceIpv6!));
        _root.Gateway.Tell(new ResolveRoute("site9", orchestrator.Ref, byIip), orchestrator.Ref);
        Assert.Equal(s.Id, orchestrator.Take<RouteFound>().Routes.ServiceId);

        _root.Gateway.Tell(new ResolveRoute("site9", orchestrator.Ref, new RouteKey(Ipv4Address.Parse("10.30.250.250"), null)), orchestrator.Ref);
        orchestrator.Take<RouteNotFound>();

        // The interest was registered on the way: the next change arrives as a delta.
        await Deploy(s.Id, 1);
        var delta = orchestrator.Take<ServiceDelta>(d => d.ServiceId == s.Id);
        Assert.Equal(found.Routes.Version, delta.FromVersion);
    }

    /// <summary>Releases run after the entity persisted its change: poll until the pool has it in quarantine.</summary>
    private async Task AssertQuarantined(string address)
    {
        string? rule = null;
        for (var attempt = 0; attempt < 50 && rule != "quarantined"; attempt++)
        {
            if (attempt > 0) await Task.Delay(200);
            var r = await _root.PostJson("/api/v1/applications", Slas.One("probe" + Guid.NewGuid().ToString("N")[..8], addresses: $$"""{"rr_ip":"{{address}}"}"""));
            Assert.Equal(HttpStatusCode.Conflict, r.StatusCode);
            rule = (await _root.Json(r)).GetProperty("rule").GetString();
        }
        Assert.Equal("quarantined", rule);
    }
}
