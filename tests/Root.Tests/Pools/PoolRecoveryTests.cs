using Akka.Actor;
using Oakestra.Actors.Root.Pools;
using Oakestra.Actors.Root.Tests.Persistence;

namespace Oakestra.Actors.Root.Tests.Pools;

/// <summary>Allocations and quarantines survive a restart of the pool actor and of the whole root.</summary>
public sealed class PoolRecoveryTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData(PoolNames.ServiceV4, "10.30.0.1", "10.30.0.2", "10.30.0.3")]
    [InlineData(PoolNames.InstanceV6, "fdff::1", "fdff::2", "fdff::3")]
    public async Task Pool_actor_restarted_on_the_same_journal_keeps_allocations_and_quarantine(string pool, string a, string b, string c)
    {
        await using var root = await TestRoot.StartAsync(catalog: TestPools.Catalog());
        try
        {
            var catalog = TestPools.Catalog();
            catalog.TryGet(pool, out var definition);
            // A pool actor outside the shard region, with the same persistence id: stop it, start it again.
            var settings = PoolSettings.Default;
            var actor = root.System.ActorOf(AddressPoolActor.Props(definition, settings, root.Clock));
            Assert.Equal(a, (await actor.Ask<AddressAllocated>(new AllocateAddress(pool, "o1"), Timeout)).Lease.Address);
            Assert.Equal(b, (await actor.Ask<AddressAllocated>(new AllocateAddress(pool, "o2"), Timeout)).Lease.Address);
            await actor.Ask<AddressesReleased>(new ReleaseAddress(pool, a, "o1"), Timeout);
            Assert.True(await actor.GracefulStop(Timeout));

            var again = root.System.ActorOf(AddressPoolActor.Props(definition, settings, root.Clock));
            Assert.Equal("o2", (await again.Ask<AddressOwner>(new LookupOwner(pool, b), Timeout)).Lease.Owner);
            // a is still quarantined, b still held: the next one is c.
            Assert.Equal([c], (await again.Ask<AddressesPreviewed>(new PreviewAddresses(pool, 1), Timeout)).Addresses);
            Assert.Equal(PoolErrorKind.Quarantined, (await again.Ask<PoolError>(new AllocateAddress(pool, "o3", a), Timeout)).Kind);
            root.Clock.Advance(TimeSpan.FromSeconds(61));
            Assert.Equal(a, (await again.Ask<AddressAllocated>(new AllocateAddress(pool, "o3"), Timeout)).Lease.Address);
        }
        finally
        {
            TestRoot.DeleteDataDir(root.DataDir);
        }
    }

    [Fact]
    public async Task Whole_root_restarted_on_the_same_sqlite_file_recovers_pools_with_snapshots()
    {
        var dataDir = TestRoot.NewDataDir();
        var clock = new ManualClock();
        // Snapshots every 5 events, so recovery reads a snapshot plus the events after it.
        var settings = new Dictionary<string, string?> { ["Oak:Pools:SnapshotEvery"] = "5" };
        try
        {
            string quarantined;
            List<string> held;
            WorkerSubnets subnets;
            await using (var root = await TestRoot.StartAsync(dataDir, clock, TestPools.Catalog(), settings))
            {
                held = [];
                for (var i = 0; i < 12; i++) held.Add((await root.Pools.AllocateAsync(PoolNames.ServiceV4, $"instance:s.{i}")).Get().Address);
                quarantined = held[3];
                Assert.True((await root.Pools.ReleaseAsync(PoolNames.ServiceV4, quarantined)).Ok);
                held.RemoveAt(3);
                subnets = (await root.Pools.AllocateSubnetsAsync("site1", "w1")).Get();
                Assert.True((await root.Pools.AllocateV6Async(PoolNames.PolicyV6("closest"), "service:s/closest")).Ok);
            }

            Assert.True(SnapshotRows(dataDir) > 0, "no pool snapshot was written");

            clock.Advance(TimeSpan.FromSeconds(30));
            await using (var root = await TestRoot.StartAsync(dataDir, clock, TestPools.Catalog(), settings))
            {
                for (var i = 0; i < held.Count; i++)
                    Assert.True((await root.Pools.OwnerOfAsync(PoolNames.ServiceV4, held[i])).Ok, held[i]);
                Assert.Equal(PoolErrorKind.Quarantined, (await root.Pools.AllocateAsync(PoolNames.ServiceV4, "x", quarantined)).Error?.Kind);
                Assert.Equal("10.30.0.13", (await root.Pools.AllocateAsync(PoolNames.ServiceV4, "instance:t.0")).Get().Address);
                Assert.Equal(subnets, (await root.Pools.AllocateSubnetsAsync("site1", "w1")).Get());
                Assert.Equal("fdff:1000::2", (await root.Pools.AllocateV6Async(PoolNames.PolicyV6("closest"), "service:t/closest")).Get().ToString());
            }

            // 61 s after the release, but the root was restarted 30 s in: the countdown started again at recovery
            // (a restarted root cannot tell downtime from a clock step, PoolState), so the address is still
            // quarantined, also with the wall clock stepped a day ahead, and free a full quarantine after recovery.
            clock.Advance(TimeSpan.FromSeconds(31));
            clock.StepWall(TimeSpan.FromDays(1));
            await using (var root = await TestRoot.StartAsync(dataDir, clock, TestPools.Catalog(), settings))
            {
                Assert.Equal(PoolErrorKind.Quarantined, (await root.Pools.AllocateAsync(PoolNames.ServiceV4, "x", quarantined)).Error?.Kind);
                clock.Advance(TimeSpan.FromSeconds(61));
                Assert.Equal(quarantined, (await root.Pools.AllocateAsync(PoolNames.ServiceV4, "instance:u.0")).Get().Address);
            }
        }
        finally
        {
            TestRoot.DeleteDataDir(dataDir);
        }
    }

    private static long SnapshotRows(string dataDir)
    {
        using var c = new Microsoft.Data.Sqlite.SqliteConnection(
            Oakestra.Actors.Root.Persistence.SqliteStore.ConnectionString(Path.Combine(dataDir, Oakestra.Actors.Root.Persistence.StoreSettings.SqliteFileName)));
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM snapshot WHERE manifest = 'pool-snapshot'";
        return (long)cmd.ExecuteScalar()!;
    }
}
