using System.Net;
using Oakestra.Actors.Root.Pools;
using Oakestra.Actors.Root.Tests.Persistence;

namespace Oakestra.Actors.Root.Tests.Pools;

/// <summary>The pools through the AddressPools facade, on a real one-member root with SQLite (docs/DESIGN.md §7).</summary>
public sealed class AddressPoolTests : IAsyncLifetime
{
    private TestRoot _root = null!;
    private AddressPools Pools => _root.Pools;

    public async Task InitializeAsync() => _root = await TestRoot.StartAsync(catalog: TestPools.Catalog());

    public async Task DisposeAsync()
    {
        await _root.DisposeAsync();
        TestRoot.DeleteDataDir(_root.DataDir);
    }

    [Theory]
    [InlineData(PoolNames.ServiceV4, "10.30.0.1")]
    [InlineData(PoolNames.InstanceV6, "fdff::1")]
    [InlineData("round_robin-v6", "fdff:2000::1")]
    [InlineData("closest-v6", "fdff:1000::1")]
    public async Task First_allocation_is_the_first_address_after_the_network_address(string pool, string expected)
    {
        var lease = (await Pools.AllocateAsync(pool, "service:a.b.c.d/round_robin")).Get();
        Assert.Equal(expected, lease.Address);
        Assert.Equal(pool, lease.Pool);
        Assert.Equal("service:a.b.c.d/round_robin", lease.Owner);
    }

    [Theory]
    [InlineData(PoolNames.ServiceV4, "10.30.0.255", "10.30.1.0")]
    [InlineData("round_robin-v6", "fdff:2000::ff", "fdff:2000::100")]
    public async Task Allocation_carries_into_the_next_octet(string pool, string at255, string next)
    {
        // Slots 1..255 first; the 255th and 256th straddle the octet boundary.
        var got = new List<string>();
        for (var i = 0; i < 256; i++) got.Add((await Pools.AllocateAsync(pool, $"instance:s.{i}")).Get().Address);
        Assert.Equal(at255, got[254]);
        Assert.Equal(next, got[255]);
        Assert.Equal(256, got.Distinct().Count());
    }

    [Theory]
    [InlineData(TestPools.TinyV4, 2)]
    [InlineData(TestPools.TinyV6, 3)]
    public async Task Exhaustion_is_a_typed_error_naming_the_pool(string pool, int usable)
    {
        for (var i = 0; i < usable; i++) Assert.True((await Pools.AllocateAsync(pool, $"o{i}")).Ok);
        var r = await Pools.AllocateAsync(pool, "one-too-many");
        Assert.False(r.Ok);
        Assert.Equal(PoolErrorKind.Exhausted, r.Error!.Kind);
        Assert.Equal(pool, r.Error.Pool);
        Assert.Contains(pool, r.Error.Message);
        // Still exhausted, not crashed: the pool keeps answering.
        Assert.Equal(PoolErrorKind.Exhausted, (await Pools.AllocateAsync(pool, "again")).Error!.Kind);
    }

    [Theory]
    [InlineData(PoolNames.ServiceV4)]
    [InlineData("round_robin-v6")]
    public async Task Released_address_is_reused_only_after_the_quarantine(string pool)
    {
        var a = (await Pools.AllocateAsync(pool, "service:x/rr")).Get().Address;
        Assert.True((await Pools.ReleaseAsync(pool, a, "service:x/rr")).Ok);

        var b = (await Pools.AllocateAsync(pool, "service:y/rr")).Get().Address;
        Assert.NotEqual(a, b);
        var requested = await Pools.AllocateAsync(pool, "service:z/rr", requested: a);
        Assert.Equal(PoolErrorKind.Quarantined, requested.Error?.Kind);
        Assert.DoesNotContain(a, (await Pools.PreviewAsync(pool, 5)).Get());

        // A wall-clock step of a day frees nothing: quarantine runs on the monotonic clock.
        _root.Clock.StepWall(TimeSpan.FromDays(1));
        _root.Clock.Advance(TimeSpan.FromSeconds(59));
        Assert.NotEqual(a, (await Pools.AllocateAsync(pool, "service:w/rr")).Get().Address);
        Assert.Equal(PoolErrorKind.Quarantined, (await Pools.AllocateAsync(pool, "service:z/rr", requested: a)).Error?.Kind);

        _root.Clock.Advance(TimeSpan.FromSeconds(2));
        // Lowest free first: the address that left quarantine comes back before untouched ones.
        Assert.Equal(a, (await Pools.AllocateAsync(pool, "service:v/rr")).Get().Address);
    }

    [Theory]
    [InlineData(PoolNames.ServiceV4)]
    [InlineData(PoolNames.InstanceV6)]
    public async Task Release_without_quarantine_frees_at_once(string pool)
    {
        var a = (await Pools.AllocateAsync(pool, "instance:s.0")).Get().Address;
        Assert.True((await Pools.ReleaseAsync(pool, a, quarantine: false)).Ok);
        Assert.Equal(a, (await Pools.AllocateAsync(pool, "instance:s.1")).Get().Address);
    }

    [Theory]
    [InlineData(PoolNames.ServiceV4, "10.31.0.1")]
    [InlineData(PoolNames.ServiceV4, "192.168.1.1")]
    [InlineData("round_robin-v6", "fdff:1000::5")]   // inside closest-v6, not round_robin-v6
    [InlineData("round_robin-v6", "fdff:2800::1")]   // just past the /21
    public async Task Requested_address_outside_the_pool_is_refused(string pool, string requested)
    {
        var r = await Pools.AllocateAsync(pool, "service:a/rr", requested);
        Assert.Equal(PoolErrorKind.OutsidePool, r.Error?.Kind);
        Assert.Equal(pool, r.Error!.Pool);
    }

    [Theory]
    [InlineData(PoolNames.ServiceV4, "10.30.0.0", PoolErrorKind.Reserved)]
    [InlineData(PoolNames.ServiceV4, "10.30.255.255", PoolErrorKind.Reserved)]
    [InlineData(PoolNames.ServiceV4, "fdff::1", PoolErrorKind.InvalidAddress)]
    [InlineData(PoolNames.ServiceV4, "10.30", PoolErrorKind.InvalidAddress)]
    [InlineData(PoolNames.InstanceV6, "fdff::", PoolErrorKind.Reserved)]
    [InlineData(PoolNames.InstanceV6, "10.30.0.1", PoolErrorKind.InvalidAddress)]
    public async Task Requested_reserved_or_malformed_address_is_refused(string pool, string requested, PoolErrorKind kind) =>
        Assert.Equal(kind, (await Pools.AllocateAsync(pool, "service:a/rr", requested)).Error?.Kind);

    [Theory]
    [InlineData(PoolNames.ServiceV4, "10.30.7.7")]
    [InlineData("closest-v6", "fdff:1000::7:7")]
    public async Task Requested_address_is_granted_once_and_then_refused_as_taken(string pool, string requested)
    {
        Assert.Equal(requested, (await Pools.AllocateAsync(pool, "service:a/closest", requested)).Get().Address);
        // The same owner asking again is idempotent.
        Assert.Equal(requested, (await Pools.AllocateAsync(pool, "service:a/closest", requested)).Get().Address);
        var other = await Pools.AllocateAsync(pool, "service:b/closest", requested);
        Assert.Equal(PoolErrorKind.Taken, other.Error?.Kind);
        // The next free allocation skips the requested one.
        Assert.NotEqual(requested, (await Pools.AllocateAsync(pool, "service:c/closest")).Get().Address);
    }

    [Theory]
    [InlineData(PoolNames.ServiceV4, new[] { "10.30.0.1", "10.30.0.2", "10.30.0.3" })]
    [InlineData("round_robin-v6", new[] { "fdff:2000::1", "fdff:2000::2", "fdff:2000::3" })]
    public async Task Preview_shows_the_next_free_addresses_without_reserving_them(string pool, string[] expected)
    {
        Assert.Equal(expected, (await Pools.PreviewAsync(pool, 3)).Get());
        Assert.Equal(expected, (await Pools.PreviewAsync(pool, 3)).Get());
        Assert.Equal(expected[0], (await Pools.AllocateAsync(pool, "service:a/rr")).Get().Address);
        Assert.Equal(expected[1..], (await Pools.PreviewAsync(pool, 2)).Get());
    }

    [Fact]
    public async Task Concurrent_allocations_from_many_callers_never_share_an_address()
    {
        var v4 = Enumerable.Range(0, 150).Select(i => Pools.AllocateV4Async($"instance:c.{i}"));
        var v6 = Enumerable.Range(0, 150).Select(i => Pools.AllocateV6Async(PoolNames.InstanceV6, $"instance:c.{i}"));
        var r4 = await Task.WhenAll(v4);
        var r6 = await Task.WhenAll(v6);
        Assert.All(r4, r => Assert.True(r.Ok, r.Error?.ToString()));
        Assert.All(r6, r => Assert.True(r.Ok, r.Error?.ToString()));
        Assert.Equal(150, r4.Select(r => r.Value).Distinct().Count());
        Assert.Equal(150, r6.Select(r => r.Value).Distinct().Count());
    }

    [Fact]
    public async Task Tiny_pool_under_concurrency_hands_out_each_address_once_and_then_reports_exhaustion()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Pools.AllocateAsync(TestPools.TinyV6, $"o{i}")));
        Assert.Equal(3, results.Count(r => r.Ok));
        Assert.Equal(3, results.Where(r => r.Ok).Select(r => r.Value!.Address).Distinct().Count());
        Assert.All(results.Where(r => !r.Ok), r => Assert.Equal(PoolErrorKind.Exhausted, r.Error!.Kind));
    }

    [Fact]
    public async Task Reuse_if_held_returns_the_owners_address_instead_of_a_new_one()
    {
        var first = (await Pools.AllocateAsync(PoolNames.ServiceV4, "instance:s.0", reuseIfHeld: true)).Get();
        var again = (await Pools.AllocateAsync(PoolNames.ServiceV4, "instance:s.0", reuseIfHeld: true)).Get();
        Assert.Equal(first, again);
        var without = (await Pools.AllocateAsync(PoolNames.ServiceV4, "instance:s.0")).Get();
        Assert.NotEqual(first.Address, without.Address);
    }

    [Fact]
    public async Task Worker_subnets_are_consecutive_and_stable_for_the_same_worker()
    {
        var w1 = (await Pools.AllocateSubnetsAsync("site1", "w1")).Get();
        var w2 = (await Pools.AllocateSubnetsAsync("site1", "w2")).Get();
        Assert.Equal("10.18.0.0/26", w1.V4.ToString());
        Assert.Equal("fc00::/120", w1.V6.ToString());
        Assert.Equal("10.18.0.64/26", w2.V4.ToString());
        Assert.Equal("fc00::100/120", w2.V6.ToString());
        Assert.Equal(w1, (await Pools.AllocateSubnetsAsync("site1", "w1")).Get());
        Assert.Equal("10.18.0.128/26", (await Pools.AllocateSubnetsAsync("site2", "w1")).Get().V4.ToString());
    }

    [Fact]
    public async Task Owner_of_an_address_is_found_by_address_alone_and_released_with_its_owner()
    {
        var rr = (await Pools.AllocateV4Async(PoolOwners.Service("a.b.c.d", "round_robin"))).Get();
        var inst6 = (await Pools.AllocateV6Async(PoolNames.InstanceV6, PoolOwners.Instance("a.b.c.d.0"))).Get();
        var rr6 = (await Pools.AllocateV6Async(PoolNames.PolicyV6("round_robin"), PoolOwners.Service("a.b.c.d", "round_robin"))).Get();

        Assert.Equal(PoolOwners.Service("a.b.c.d", "round_robin"), (await Pools.OwnerOfAsync(rr.ToIPAddress())).Get().Owner);
        Assert.Equal("a.b.c.d.0", PoolOwners.AsInstance((await Pools.OwnerOfAsync(inst6.ToIPAddress())).Get().Owner));
        Assert.Equal(("a.b.c.d", "round_robin"), PoolOwners.AsService((await Pools.OwnerOfAsync(rr6.ToIPAddress())).Get().Owner));
        Assert.Equal(PoolErrorKind.NotHeld, (await Pools.OwnerOfAsync(IPAddress.Parse("10.30.9.9"))).Error?.Kind);
        Assert.Equal(PoolErrorKind.OutsidePool, (await Pools.OwnerOfAsync(IPAddress.Parse("192.0.2.1"))).Error?.Kind);

        var released = (await Pools.ReleaseOwnerEverywhereAsync(PoolOwners.Service("a.b.c.d", "round_robin"))).Get();
        Assert.Equal(2, released.Count);
        Assert.Equal(PoolErrorKind.NotHeld, (await Pools.OwnerOfAsync(rr.ToIPAddress())).Error?.Kind);
        Assert.True((await Pools.OwnerOfAsync(inst6.ToIPAddress())).Ok);
    }

    [Fact]
    public async Task Release_by_the_wrong_owner_or_of_a_free_address_is_refused()
    {
        var a = (await Pools.AllocateAsync(PoolNames.ServiceV4, "instance:s.0")).Get().Address;
        Assert.Equal(PoolErrorKind.NotHeld, (await Pools.ReleaseAsync(PoolNames.ServiceV4, a, "instance:other")).Error?.Kind);
        Assert.Equal(PoolErrorKind.NotHeld, (await Pools.ReleaseAsync(PoolNames.ServiceV4, "10.30.200.1")).Error?.Kind);
        Assert.Equal("instance:s.0", (await Pools.OwnerOfAsync(PoolNames.ServiceV4, a)).Get().Owner);
    }

    [Fact]
    public async Task Unknown_pool_is_a_typed_error() =>
        Assert.Equal(PoolErrorKind.UnknownPool, (await Pools.AllocateAsync("nope-v6", "x")).Error?.Kind);
}
