using System.Text.Json;
using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Contracts.Serialization;
using Oakestra.Actors.Root.Entities.Instances;
using Oakestra.Actors.Root.Entities.Services;
using Oakestra.Actors.Root.Entities.Sites;

namespace Oakestra.Actors.Root.Tests.Entities;

/// <summary>The pure state transitions behind the entities.</summary>
public sealed class EntityStateTests
{
    private static readonly Ipv4Address V4 = Ipv4Address.Parse("10.30.0.9");
    private static readonly Ipv6Address V6 = Ipv6Address.Parse("fdff::9");

    private static Placement On(string node, long epoch) => new("site1", node, Ipv4Address.Parse("10.18.0.2"), null, $"{node}:50103", epoch);

    private static InstanceState Running(string node = "w1") => InstanceState.Empty("s.0")
        .Apply(new InstanceCreated("s", 0, V4, V6, "code", null, null, null))
        .Apply(new PlacementRequested("site1", node, 1, Migration: false))
        .Apply(new StatusAccepted(1, InstanceStatus.Running, On(node, 1), null));

    [Fact]
    public void Only_the_current_epoch_may_report_and_during_a_migration_also_the_owner()
    {
        var running = Running();
        Assert.True(running.IsCurrent(1));
        Assert.False(running.IsCurrent(0));
        Assert.False(running.IsCurrent(2));

        var migrating = running.Apply(new PlacementRequested("site1", "w2", 2, Migration: true));
        Assert.Equal(InstanceStatus.Migrating, migrating.Status);
        Assert.True(migrating.IsCurrent(1));
        Assert.True(migrating.IsCurrent(2));

        var switched = migrating.Apply(new StatusAccepted(2, InstanceStatus.Running, On("w2", 2), null));
        Assert.Equal("w2", switched.Owner!.Node);
        Assert.Equal(1, switched.Draining!.Epoch);
        Assert.False(switched.IsCurrent(1));
        Assert.Null(switched.Apply(new OldPlacementStopped(1)).Draining);
    }

    [Fact]
    public void A_failed_migration_target_leaves_the_owner_running()
    {
        var back = Running().Apply(new PlacementRequested("site1", "w2", 2, Migration: true))
            .Apply(new StatusAccepted(2, InstanceStatus.Failed, null, "image missing"));
        Assert.Equal(InstanceStatus.Running, back.Status);
        Assert.Equal("w1", back.Owner!.Node);
        Assert.Null(back.Draining);
        Assert.False(back.NeedsPlacement);
    }

    [Fact]
    public void A_failed_running_instance_needs_a_new_placement_and_keeps_its_addresses()
    {
        var failed = Running().Apply(new StatusAccepted(1, InstanceStatus.Failed, null, "worker lost"));
        Assert.True(failed.NeedsPlacement);
        Assert.Null(failed.Route.Owner);
        var again = failed.Apply(new PlacementRequested("site1", null, 2, Migration: false));
        Assert.Equal(2, again.Epoch);
        Assert.Equal((V4, V6), (again.InstanceV4, again.InstanceV6));
    }

    [Fact]
    public void The_route_shows_an_owner_only_while_an_instance_runs()
    {
        var pending = InstanceState.Empty("s.0").Apply(new InstanceCreated("s", 0, V4, V6, "code", null, null, null))
            .Apply(new PlacementRequested("site1", null, 1, Migration: false))
            .Apply(new StatusAccepted(1, InstanceStatus.Starting, On("w1", 1), null));
        Assert.Equal(InstanceStatus.Starting, pending.Route.Status);
        Assert.Null(pending.Route.Owner);
        Assert.Equal("w1", Running().Route.Owner!.Node);
    }

    [Fact]
    public void Service_version_moves_only_when_the_routes_change_and_each_event_names_its_changes()
    {
        var s = ServiceState.Empty("s").Apply(new ServiceCreated(
            new ServiceDescriptor("s", "a", "x", "m", "x", "process", "code", null, null, null),
            [new ServiceAddress(BalancingPolicies.RoundRobin, V4, V6)]));
        Assert.Equal(1, s.Version);
        var route = new InstanceRoute("s.0", 0, V4, V6, InstanceStatus.Pending, null);
        var added = new InstancesAdded([route]);
        Assert.IsType<InstanceUpserted>(Assert.Single(s.Changes(added)));
        s = s.Apply(added);
        Assert.Equal((2L, 1), (s.Version, s.NextNumber));

        var sameRouteNewEpoch = new InstanceRouteUpdated(route, new InstanceDetail(1, null));
        Assert.True(s.Changes(sameRouteNewEpoch));
        Assert.Empty(s.Changes((IServiceEvent)sameRouteNewEpoch));
        s = s.Apply(sameRouteNewEpoch);
        Assert.Equal(2, s.Version);
        Assert.False(s.Changes(sameRouteNewEpoch));

        s = s.Apply(new InstancesRemoved(["s.0"])).Apply(new ServiceRemoved());
        Assert.Equal(4, s.Version);
        Assert.True(s.Routes.Deleted);
        // A re-created service continues the version and never reuses an instance number.
        s = s.Apply(new ServiceCreated(s.Descriptor!, []));
        Assert.Equal((5L, 1), (s.Version, s.NextNumber));
    }

    [Fact]
    public void A_requested_node_picks_its_site_otherwise_the_least_loaded_site_with_an_up_worker()
    {
        var node = (string site, string name, Contracts.Protocol.WorkerState state) => new NodeRecorded(new NodeRecord(
            site, name, Ipv4Prefix.Parse("10.18.0.0/26"), Ipv6Prefix.Parse("fc00::/120"), "e:1", 0, 0, state));
        var registry = SiteRegistryState.Empty
            .Apply(new SiteRecorded("a", "akka://x/a")).Apply(new SiteRecorded("b", "akka://x/b")).Apply(new SiteRecorded("c", "akka://x/c"))
            .Apply(node("a", "wa", Contracts.Protocol.WorkerState.Up))
            .Apply(node("b", "wb", Contracts.Protocol.WorkerState.Up))
            .Apply(node("c", "wc", Contracts.Protocol.WorkerState.Down))
            .Apply(new InstanceAssigned("s.0", "a", null));

        Assert.Equal("b", registry.Choose(null, null).Site);
        Assert.Equal("a", registry.Choose("wa", null).Site);
        Assert.Equal("c", registry.Choose("wc", null).Site);
        Assert.Null(registry.Choose(null, "c").Site);
        Assert.Contains("w9", registry.Choose("w9", null).Reason);
        Assert.Null(SiteRegistryState.Empty.Choose(null, null).Site);
    }

    [Fact]
    public void A_drained_node_takes_no_new_placement_and_its_instances_spread_over_the_other_nodes_of_its_site_first()
    {
        var node = (string site, string name) => new NodeRecorded(new NodeRecord(
            site, name, Ipv4Prefix.Parse("10.18.0.0/26"), Ipv6Prefix.Parse("fc00::/120"), "e:1", 0, 0, Contracts.Protocol.WorkerState.Up));
        var registry = SiteRegistryState.Empty
            .Apply(new SiteRecorded("a", "akka://x/a")).Apply(new SiteRecorded("b", "akka://x/b"))
            .Apply(node("a", "w1")).Apply(node("a", "w2")).Apply(node("a", "w3")).Apply(node("b", "w4"))
            .Apply(new InstanceAssigned("s.0", "a", "w1")).Apply(new InstanceAssigned("s.1", "a", "w1"))
            .Apply(new InstanceAssigned("s.2", "a", "w1")).Apply(new InstanceAssigned("s.3", "a", "w2"))
            .Apply(new NodeCordoned("a", "w1", true));

        var plan = registry.PlanDrain("w1", new HashSet<string>());
        Assert.Equal(["s.0", "s.1", "s.2"], plan.Select(m => m.InstanceId));
        // w3 is empty and w2 has one: the plan fills w3 first, then alternates, and never picks w1 or another site.
        Assert.Equal(["w3", "w2", "w3"], plan.Select(m => m.TargetNode));
        Assert.Contains("cordoned", registry.Choose("w1", null).Reason);
        Assert.NotEqual("w1", registry.Choose(null, "a").Node);
        Assert.NotNull(registry.Choose(null, "a").Node); // named, since the site's orchestrator knows no cordons

        // A site with no other node: its instances go to another site; with none at all, the plan says why.
        var alone = registry.Apply(new NodeCordoned("a", "w2", true)).Apply(new NodeCordoned("a", "w3", true));
        Assert.All(alone.PlanDrain("w1", new HashSet<string>()), m => Assert.Equal("w4", m.TargetNode));
        Assert.All(alone.PlanDrain("w1", new HashSet<string> { "b" }), m => Assert.Contains("no other node", m.Reason));
        Assert.False(registry.Apply(new NodeCordoned("a", "w1", false)).Nodes["a/w1"].Cordoned);
        AssertRoundTrip(new NodeCordoned("a", "w1", true), (a, b) => Assert.Equal(a, b));
    }

    [Fact]
    public void Every_persisted_state_and_event_of_the_entities_round_trips_through_the_journal_serializer()
    {
        var service = ServiceState.Empty("s").Apply(new ServiceCreated(
                new ServiceDescriptor("s", "a", "x", "m", "x", "process", "code", 80, "w1", null),
                [new ServiceAddress(BalancingPolicies.RoundRobin, V4, V6)]))
            .Apply(new InstancesAdded([new InstanceRoute("s.0", 0, V4, V6, InstanceStatus.Running, On("w1", 1))]))
            .Apply(new SubscriberAdded("site1", "akka://x/user/o"));
        var instance = Running().Apply(new PlacementRequested("site1", "w2", 2, Migration: true));

        AssertRoundTrip(service, (a, b) => Assert.Equal(JsonSerializer.Serialize(a), JsonSerializer.Serialize(b)));
        AssertRoundTrip(instance, (a, b) => Assert.Equal(a, b));
        AssertRoundTrip(new StatusAccepted(2, InstanceStatus.Running, On("w2", 2), "ok"), (a, b) => Assert.Equal(a, b));
    }

    private static void AssertRoundTrip<T>(T value, Action<T, T> equal) where T : notnull
    {
        var manifest = PersistedTypeRegistry.ManifestOf(typeof(T));
        var json = JsonSerializer.SerializeToUtf8Bytes(value, OakJsonSerializer.Options);
        Assert.True(PersistedTypeRegistry.TryTypeOf(manifest, out var type));
        var back = (T)JsonSerializer.Deserialize(json, type, OakJsonSerializer.Options)!;
        equal(value, back);
    }
}
