using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Oakestra.Actors.Root.Persistence;
using Oakestra.Actors.Root.Pools;
using Oakestra.Actors.Tests.Shared;

namespace Oakestra.Actors.Root.Tests.Persistence;

/// <summary>
/// The same pools on PostgreSQL (several root processes share one journal). Needs OAK_TEST_POSTGRES =
/// a connection string (CI: `.ci/start-services` → Host=127.0.0.1;Username=oak;Password=oak;Database=oak_test).
/// </summary>
public sealed class PostgresStoreTests
{
    /// <summary>What `.ci/start-services` creates; CI uses it when OAK_TEST_POSTGRES is not exported.</summary>
    private const string CiServer = "Host=127.0.0.1;Username=oak;Password=oak;Database=oak_test";

    private static string RequirePostgres()
    {
        var cs = Environment.GetEnvironmentVariable("OAK_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(cs))
        {
            Skip.IfNot(Requires.InCi, "OAK_TEST_POSTGRES is not set (a PostgreSQL connection string, e.g. " + CiServer + ")");
            cs = CiServer;
        }
        try
        {
            using var c = new Npgsql.NpgsqlConnection(cs);
            c.Open();
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            // In CI a missing server is a failure, never a skip; outside CI the variable was set on purpose.
            Assert.Fail($"PostgreSQL at '{cs}' is not reachable ({e.Message}); run .ci/start-services");
        }
        return cs;
    }

    [SkippableFact]
    public async Task Pools_allocate_and_recover_on_postgres()
    {
        var cs = RequirePostgres();
        // A fresh pool name per run: the database outlives test runs and journals are keyed by pool name.
        var pool = $"pg-{Guid.NewGuid():N}"[..20];
        var catalog = new PoolCatalog([new PoolDefinition(pool, PoolKind.AddressV4, "10.77.0.0/24", 32)]);
        var settings = new Dictionary<string, string?>
        {
            ["Oak:Store:Provider"] = "postgres",
            ["Oak:Store:ConnectionString"] = cs,
            ["Oak:Pools:SnapshotEvery"] = "3",
        };
        var clock = new ManualClock();
        var dataDir = TestRoot.NewDataDir();
        try
        {
            await using (var root = await TestRoot.StartAsync(dataDir, clock, catalog, settings))
            {
                for (var i = 1; i <= 4; i++)
                    Assert.Equal($"10.77.0.{i}", (await root.Pools.AllocateAsync(pool, $"o{i}")).Get().Address);
                Assert.True((await root.Pools.ReleaseAsync(pool, "10.77.0.2", "o2")).Ok);
                // No SQLite file when the provider is postgres.
                Assert.False(File.Exists(Path.Combine(dataDir, StoreSettings.SqliteFileName)));
            }
            await using (var root = await TestRoot.StartAsync(dataDir, clock, catalog, settings))
            {
                Assert.Equal("o4", (await root.Pools.OwnerOfAsync(pool, "10.77.0.4")).Get().Owner);
                Assert.Equal(PoolErrorKind.Quarantined, (await root.Pools.AllocateAsync(pool, "x", "10.77.0.2")).Error?.Kind);
                Assert.Equal("10.77.0.5", (await root.Pools.AllocateAsync(pool, "o5")).Get().Address);
            }
        }
        finally
        {
            TestRoot.DeleteDataDir(dataDir);
        }
    }

    [SkippableFact]
    public async Task Two_root_processes_on_one_journal_share_one_writer_per_pool()
    {
        var cs = RequirePostgres();
        var pool = $"pg-{Guid.NewGuid():N}"[..20];
        var catalog = new PoolCatalog([new PoolDefinition(pool, PoolKind.AddressV6, "fdff:f000::/116", 128)]);
        var settings = new Dictionary<string, string?> { ["Oak:Store:Provider"] = "postgres", ["Oak:Store:ConnectionString"] = cs };
        var clock = new ManualClock();
        await using var first = await TestRoot.StartAsync(clock: clock, catalog: catalog, settings: settings);
        await using var second = await TestRoot.StartAsync(clock: clock, catalog: catalog, settings: settings, seeds: first.Address.ToString());
        try
        {
            Assert.Equal(2, Akka.Cluster.Cluster.Get(first.System).State.Members.Count(m => m.HasRole(Contracts.Hosting.OakestraRoles.Root)));
            var calls = Enumerable.Range(0, 100).Select(i => (i % 2 == 0 ? first : second).Pools.AllocateAsync(pool, $"o{i}"));
            var results = await Task.WhenAll(calls);
            Assert.All(results, r => Assert.True(r.Ok, r.Error?.ToString()));
            Assert.Equal(100, results.Select(r => r.Value!.Address).Distinct().Count());
            Assert.Equal("o7", (await first.Pools.OwnerOfAsync(pool, results[7].Value!.Address)).Get().Owner);
            Assert.Equal("o8", (await second.Pools.OwnerOfAsync(pool, results[8].Value!.Address)).Get().Owner);
        }
        finally
        {
            TestRoot.DeleteDataDir(first.DataDir);
            TestRoot.DeleteDataDir(second.DataDir);
        }
    }

    [SkippableFact]
    public async Task Of_two_roots_the_survivor_of_a_crash_takes_the_lease_stays_up_and_allocates_nothing_twice()
    {
        var cs = RequirePostgres();
        var pool = $"pg-{Guid.NewGuid():N}"[..20];
        var catalog = new PoolCatalog([new PoolDefinition(pool, PoolKind.AddressV4, "10.78.0.0/24", 32)]);
        var settings = new Dictionary<string, string?> { ["Oak:Store:Provider"] = "postgres", ["Oak:Store:ConnectionString"] = cs };
        // The crashing root must not leave the cluster on its way out: no coordinated shutdown, as with kill -9.
        var clock = new ManualClock();
        await using var a = await TestRoot.StartAsync(clock: clock, catalog: catalog, settings: settings,
            more: (akka, _) => akka.AddHocon("akka.coordinated-shutdown.run-by-actor-system-terminate = off", HoconAddMode.Prepend));
        await using var b = await TestRoot.StartAsync(clock: clock, catalog: catalog, settings: settings, seeds: a.Address.ToString(),
            more: (akka, _) => akka.AddHocon("akka.coordinated-shutdown.run-by-actor-system-terminate = off", HoconAddMode.Prepend));
        try
        {
            Assert.Equal("lease-majority", a.System.Settings.Config.GetString("akka.cluster.split-brain-resolver.active-strategy"));
            var before = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => (i % 2 == 0 ? a : b).Pools.AllocateAsync(pool, $"o{i}")));
            Assert.All(before, r => Assert.True(r.Ok, r.Error?.ToString()));

            // The root with the lowest address crashes: keep-majority would down the survivor too.
            var (doomed, survivor) = Akka.Cluster.Member.AddressOrdering.Compare(a.Address, b.Address) < 0 ? (a, b) : (b, a);
            await doomed.System.Terminate();

            var clockTime = System.Diagnostics.Stopwatch.StartNew();
            var after = new List<string>();
            while (after.Count < 20)
            {
                Assert.False(survivor.System.WhenTerminated.IsCompleted, "the surviving root was downed");
                Assert.True(clockTime.Elapsed < TimeSpan.FromSeconds(90), "the survivor did not allocate within 90 s");
                var r = await survivor.Pools.AllocateAsync(pool, $"p{after.Count}");
                if (r.Ok) after.Add(r.Value!.Address);
                else await Task.Delay(500);
            }
            // Allocations can succeed before the resolver has acted (the pool's shard may live on the survivor):
            // wait for it to down the crashed root (stable-after plus the lease), never the survivor.
            var cluster = Akka.Cluster.Cluster.Get(survivor.System);
            while (cluster.State.Members.Any(m => m.Address != survivor.Address))
            {
                Assert.False(survivor.System.WhenTerminated.IsCompleted, "the surviving root was downed");
                Assert.True(clockTime.Elapsed < TimeSpan.FromSeconds(90), "the crashed root was not removed within 90 s");
                await Task.Delay(500);
            }
            Assert.False(survivor.System.WhenTerminated.IsCompleted, "the surviving root was downed");
            Assert.Equal([survivor.Address], cluster.State.Members.Select(m => m.Address));
            Assert.Equal(40, before.Select(r => r.Value!.Address).Concat(after).Distinct().Count());
        }
        finally
        {
            TestRoot.DeleteDataDir(a.DataDir);
            TestRoot.DeleteDataDir(b.DataDir);
        }
    }

    [Fact]
    public void Store_settings_follow_the_documented_keys_and_defaults()
    {
        var defaults = StoreSettings.FromConfiguration(new ConfigurationBuilder().Build());
        Assert.Equal(StoreProvider.Sqlite, defaults.Provider);
        Assert.Equal(Path.GetFullPath("./data/oakestra.db"), defaults.SqlitePath);

        var pg = StoreSettings.FromConfiguration(Config(("Oak:Store:Provider", "postgres"), ("Oak:Store:ConnectionString", "Host=x")));
        Assert.Equal((StoreProvider.Postgres, "Host=x"), (pg.Provider, pg.ConnectionString));

        Assert.Throws<InvalidOperationException>(() => StoreSettings.FromConfiguration(Config(("Oak:Store:Provider", "postgres"))));
        Assert.Throws<InvalidOperationException>(() => StoreSettings.FromConfiguration(Config(("Oak:Store:Provider", "mysql"))));
    }

    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
