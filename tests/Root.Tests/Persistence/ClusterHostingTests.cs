using Microsoft.Extensions.Configuration;
using Oakestra.Actors.Contracts.Hosting;
using Oakestra.Actors.Contracts.Messaging;

namespace Oakestra.Actors.Root.Tests.Persistence;

/// <summary>The hosting extension every process uses: documented config keys, SBR, sharding defaults.</summary>
public sealed class ClusterHostingTests
{
    [Fact]
    public void Settings_follow_docs_config_defaults()
    {
        // Without a certificate a member refuses to start unless plain TCP is asked for (RemotingTlsTests).
        var refusal = Assert.Throws<InvalidOperationException>(() => OakClusterSettings.FromConfiguration(new ConfigurationBuilder().Build(), OakestraRoles.Root));
        Assert.Contains("Oak:Remoting:Certificate:Path", refusal.Message);
        Assert.Contains("Oak:Remoting:Tls=off", refusal.Message);
        var empty = PlainTcp(new());
        var root = OakClusterSettings.FromConfiguration(empty, OakestraRoles.Root);
        Assert.Equal((ClusterTier.Root, "oakestra-root", "127.0.0.1", 4053), (root.Tier, root.SystemName, root.Hostname, root.Port));
        Assert.Equal(["akka.tcp://oakestra-root@127.0.0.1:4053"], root.Seeds);
        // A site is a cluster of its own: its name is in the system name, a worker seeds at its orchestrator.
        var worker = OakClusterSettings.FromConfiguration(empty, OakestraRoles.Worker, "edge1");
        Assert.Equal((ClusterTier.Site, "oakestra-site-edge1", 4055), (worker.Tier, worker.SystemName, worker.Port));
        Assert.Equal(["akka.tcp://oakestra-site-edge1@127.0.0.1:4054"], worker.Seeds);
        Assert.Throws<ArgumentException>(() => OakClusterSettings.FromConfiguration(empty, OakestraRoles.Worker));
        Assert.Equal(TimeSpan.FromSeconds(10), worker.DownAfter);
        // Roots decide an even split with the lease: sooner (the survivor's API answers within 20 s of a crash).
        Assert.Equal(TimeSpan.FromSeconds(5), root.DownAfter);

        var set = PlainTcp(new()
        {
            ["Oak:Akka:Hostname"] = "10.0.0.5",
            ["Oak:Akka:Port"] = "5000",
            ["Oak:Akka:Seeds"] = "akka.tcp://oak@10.0.0.1:4053, akka.tcp://oak@10.0.0.2:4053",
            ["Oak:Akka:SystemName"] = "oak",
        });
        var s = OakClusterSettings.FromConfiguration(set, OakestraRoles.Orchestrator, "edge1");
        Assert.Equal(("oak", "10.0.0.5", 5000, OakestraRoles.Orchestrator), (s.SystemName, s.Hostname, s.Port, s.Role));
        Assert.Equal(["akka.tcp://oak@10.0.0.1:4053", "akka.tcp://oak@10.0.0.2:4053"], s.Seeds);

        // host:port seeds get the tier's system name.
        var short_ = PlainTcp(new()
        {
            ["Oak:Akka:Seeds"] = "10.0.0.1:4053,10.0.0.2:4053",
            ["Oak:Akka:DownAfterSeconds"] = "4",
        });
        var r = OakClusterSettings.FromConfiguration(short_, OakestraRoles.Root);
        Assert.Equal(["akka.tcp://oakestra-root@10.0.0.1:4053", "akka.tcp://oakestra-root@10.0.0.2:4053"], r.Seeds);
        Assert.Equal(TimeSpan.FromSeconds(4), r.DownAfter);

        // A root downed by its tier rejoins the others only: it never forms a second root tier during a partition.
        var rejoin = PlainTcp(new()
        {
            ["Oak:Akka:Hostname"] = "10.0.0.1",
            ["Oak:Akka:Seeds"] = "10.0.0.1:4053,10.0.0.2:4053",
            ["Oak:Akka:RejoinOnly"] = "true",
        });
        Assert.Equal(["akka.tcp://oakestra-root@10.0.0.2:4053"], OakClusterSettings.FromConfiguration(rejoin, OakestraRoles.Root).Seeds);
        // Alone in its seeds (one root), it has no one else to rejoin: it forms its tier again.
        var alone = PlainTcp(new() { ["Oak:Akka:RejoinOnly"] = "true" });
        Assert.Equal(["akka.tcp://oakestra-root@127.0.0.1:4053"], OakClusterSettings.FromConfiguration(alone, OakestraRoles.Root).Seeds);
    }

    private static IConfiguration PlainTcp(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>(values) { ["Oak:Remoting:Tls"] = "off" }).Build();

    [Fact]
    public async Task A_started_member_has_the_role_its_tiers_keep_majority_sbr_and_ddata_sharding()
    {
        await using var node = await TestRoot.StartAsync(role: OakestraRoles.Orchestrator);
        await using var root = await TestRoot.StartAsync();
        try
        {
            var config = node.System.Settings.Config;
            Assert.Contains(OakestraRoles.Orchestrator, Akka.Cluster.Cluster.Get(node.System).SelfRoles);
            Assert.Contains("SplitBrainResolverProvider", config.GetString("akka.cluster.downing-provider-class"));
            Assert.Equal("keep-majority", config.GetString("akka.cluster.split-brain-resolver.active-strategy"));
            // Inside a site every member counts; in the root tier only roots do.
            Assert.True(string.IsNullOrEmpty(config.GetString("akka.cluster.split-brain-resolver.keep-majority.role")));
            Assert.Equal(OakestraRoles.Root, root.System.Settings.Config.GetString("akka.cluster.split-brain-resolver.keep-majority.role"));
            Assert.Equal(TimeSpan.FromSeconds(10), config.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after"));
            Assert.False(config.GetBoolean("akka.cluster.client.use-legacy-serialization"));
            Assert.Equal("ddata", config.GetString("akka.cluster.sharding.state-store-mode"));
            Assert.False(config.GetBoolean("akka.cluster.sharding.remember-entities"));
            Assert.Equal("akka.tcp", node.Address.Protocol);
            Assert.Equal("127.0.0.1", node.Address.Host);
        }
        finally
        {
            TestRoot.DeleteDataDir(node.DataDir);
            TestRoot.DeleteDataDir(root.DataDir);
        }
    }

    private sealed record ToEntity(string EntityId) : IEntityMessage;

    [Fact]
    public void Entity_extractor_takes_the_id_from_the_message_and_spreads_over_the_fixed_shards()
    {
        var x = new EntityMessageExtractor();
        var msg = new ToEntity("a.b.c.d");
        Assert.Equal("a.b.c.d", x.EntityId(msg));
        Assert.Same(msg, x.EntityMessage(msg));
        Assert.Null(x.EntityId("not an entity message"));
        var shards = Enumerable.Range(0, 2000).Select(i => int.Parse(x.ShardId($"svc{i}", new ToEntity($"svc{i}"))!)).ToArray();
        Assert.All(shards, s => Assert.InRange(s, 0, OakestraSharding.NumberOfShards - 1));
        Assert.True(shards.Distinct().Count() > OakestraSharding.NumberOfShards / 2);
        // Stable: the same id always lands on the same shard (on every member).
        Assert.Equal(x.ShardId("a.b.c.d", msg), new EntityMessageExtractor().ShardId("a.b.c.d", new ToEntity("a.b.c.d")));
    }
}
