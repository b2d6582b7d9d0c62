using Oakestra.Actors.Root.Pools;

namespace Oakestra.Actors.Root.Tests.Pools;

/// <summary>The pure allocation logic (no actor): carries, skipping, subnet numbering, large offsets, quarantine.</summary>
public sealed class PoolStateTests
{
    private static readonly DateTimeOffset Wall = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly PoolNow Now = new(Wall, TimeSpan.Zero);
    private static readonly TimeSpan Minute = TimeSpan.FromSeconds(60);

    private static string Allocate(PoolState state, string owner, string? requested = null, PoolNow? at = null, List<object>? journal = null)
    {
        var (evt, existing, error) = state.DecideAllocate(owner, requested, false, at ?? Now);
        Assert.Null(error);
        if (existing is not null) return existing.Address;
        state.Apply(evt!);
        journal?.Add(evt!);
        return evt!.Address;
    }

    [Fact]
    public void Ipv6_allocation_carries_across_a_16_bit_group()
    {
        var state = new PoolState(new PoolDefinition("p", PoolKind.AddressV6, "fdff:2000::/21", 128));
        // Hold ::1..::fffe by requesting the one before the boundary and filling below it cheaply via snapshot.
        var held = Enumerable.Range(1, 0xfffe).Select(i => new PoolSnapshotHolding($"fdff:2000::{i:x}", "o")).ToArray();
        state = PoolState.FromSnapshot(state.Pool, new PoolSnapshot(held, []), TimeSpan.Zero, Minute);
        Assert.Equal("fdff:2000::ffff", Allocate(state, "a"));
        Assert.Equal("fdff:2000::1:0", Allocate(state, "b"));
    }

    [Fact]
    public void Ipv4_pool_never_hands_out_its_network_or_last_address_but_does_hand_out_inner_dot_zero_and_255()
    {
        var state = new PoolState(new PoolDefinition("p", PoolKind.AddressV4, "10.30.0.0/23", 32));
        var all = Enumerable.Range(0, 510).Select(i => Allocate(state, $"o{i}")).ToArray();
        Assert.Equal("10.30.0.1", all[0]);
        Assert.Contains("10.30.0.255", all);
        Assert.Contains("10.30.1.0", all);
        Assert.Equal("10.30.1.254", all[^1]);
        Assert.DoesNotContain("10.30.0.0", all);
        Assert.Equal(PoolErrorKind.Exhausted, state.DecideAllocate("x", null, false, Now).Error?.Kind);
    }

    [Fact]
    public void Subnet_pools_number_subnets_from_the_first_and_validate_requested_ones()
    {
        var v4 = new PoolState(new PoolDefinition("s4", PoolKind.SubnetV4, "10.18.0.0/16", 26));
        Assert.Equal("10.18.0.0/26", Allocate(v4, "w1"));
        Assert.Equal("10.18.0.64/26", Allocate(v4, "w2"));
        Assert.Equal("10.18.255.192/26", Allocate(v4, "w3", "10.18.255.192/26"));
        Assert.Equal(PoolErrorKind.InvalidAddress, v4.DecideAllocate("w4", "10.18.1.0/24", false, Now).Error?.Kind);
        Assert.Equal(PoolErrorKind.InvalidAddress, v4.DecideAllocate("w4", "10.18.1.1/26", false, Now).Error?.Kind);
        Assert.Equal(PoolErrorKind.OutsidePool, v4.DecideAllocate("w4", "10.19.0.0/26", false, Now).Error?.Kind);

        var v6 = new PoolState(new PoolDefinition("s6", PoolKind.SubnetV6, "fc00::/64", 120));
        Assert.Equal("fc00::/120", Allocate(v6, "w1"));
        Assert.Equal("fc00::100/120", Allocate(v6, "w2"));
        Assert.Equal("fc00::ffff:ffff:ffff:ff00/120", Allocate(v6, "w3", "fc00::ffff:ffff:ffff:ff00/120"));
    }

    [Fact]
    public void Snapshot_round_trip_keeps_holdings_and_quarantine()
    {
        var pool = new PoolDefinition("p", PoolKind.AddressV4, "10.30.0.0/16", 32);
        var state = new PoolState(pool);
        Allocate(state, "a");
        var b = Allocate(state, "b");
        Release(state, b, "b", Now);

        var copy = PoolState.FromSnapshot(pool, state.ToSnapshot(TimeSpan.Zero), TimeSpan.Zero, TimeSpan.FromHours(1));
        Assert.Equal("a", copy.OwnerOf("10.30.0.1")?.Owner);
        Assert.Equal(PoolErrorKind.Quarantined, copy.DecideAllocate("c", b, false, Now).Error?.Kind);
        Assert.Equal(["10.30.0.3"], copy.Preview(1, Now));
        // The snapshot carries the quarantine's own length (60 s), not the fallback.
        Assert.Equal(["10.30.0.2"], copy.Preview(1, Later(Now, 60)));
    }

    [Fact]
    public void A_released_address_is_not_handed_out_again_before_its_quarantine_ends_when_the_wall_clock_jumps_forward()
    {
        var state = new PoolState(new PoolDefinition("p", PoolKind.AddressV4, "10.30.0.0/16", 32));
        var a = Allocate(state, "a");
        Release(state, a, "a", Now);

        // 10 s later the wall clock is corrected by a day (NTP, a resumed VM): the quarantine still has 50 s to go.
        var jumped = new PoolNow(Wall.AddDays(1).AddSeconds(10), TimeSpan.FromSeconds(10));
        state.ExpireQuarantine(jumped.Monotonic);
        var refused = state.DecideAllocate("b", a, false, jumped).Error;
        Assert.Equal(PoolErrorKind.Quarantined, refused?.Kind);
        Assert.Contains("another 50 s", refused!.Message);
        Assert.NotEqual(a, Allocate(state, "b", at: jumped));

        var ended = new PoolNow(jumped.Wall.AddSeconds(50), TimeSpan.FromSeconds(60));
        state.ExpireQuarantine(ended.Monotonic);
        Assert.Equal(a, Allocate(state, "c", at: ended));
    }

    [Fact]
    public void A_wall_clock_step_backwards_does_not_keep_an_address_quarantined_longer()
    {
        var state = new PoolState(new PoolDefinition("p", PoolKind.AddressV4, "10.30.0.0/16", 32));
        var a = Allocate(state, "a");
        Release(state, a, "a", Now);

        // The wall clock went back a day; 60 s of real time later the address is free again, not in a day.
        var stepped = new PoolNow(Wall.AddDays(-1).AddSeconds(60), TimeSpan.FromSeconds(60));
        state.ExpireQuarantine(stepped.Monotonic);
        Assert.Equal(0, state.QuarantinedCount);
        Assert.Equal(a, Allocate(state, "b", at: stepped));
    }

    [Fact]
    public void After_a_restart_the_remaining_quarantine_is_never_shortened_by_a_clock_step()
    {
        var pool = new PoolDefinition("p", PoolKind.AddressV4, "10.30.0.0/16", 32);
        var state = new PoolState(pool);
        var journal = new List<object>();
        var a = Allocate(state, "a", journal: journal);
        var b = Allocate(state, "b", journal: journal);
        Release(state, a, "a", Now, journal);
        Release(state, b, "b", Later(Now, 50), journal);

        // The root comes back with its wall clock an hour ahead (or the root was down an hour: it cannot tell).
        // The monotonic clock of the new process starts at 0; replayed releases count down from there.
        var restarted = new PoolNow(Wall.AddHours(1), TimeSpan.Zero);
        var recovered = Replay(pool, journal, restarted.Monotonic);
        Assert.Equal(PoolErrorKind.Quarantined, recovered.DecideAllocate("x", a, false, restarted).Error?.Kind);
        Assert.Equal(PoolErrorKind.Quarantined, recovered.DecideAllocate("x", b, false, Later(restarted, 59)).Error?.Kind);
        Assert.Equal([a, b], recovered.Preview(2, Later(restarted, 60)));

        // An hour behind instead: the full length again, and not an hour more.
        var behind = new PoolNow(Wall.AddHours(-1), TimeSpan.Zero);
        var again = Replay(pool, journal, behind.Monotonic);
        Assert.Equal(["10.30.0.3"], again.Preview(1, Later(behind, 59)));
        Assert.Equal([a, b], again.Preview(2, Later(behind, 60)));
    }

    [Fact]
    public void A_snapshot_without_release_times_quarantines_for_the_configured_length_from_recovery()
    {
        var pool = new PoolDefinition("p", PoolKind.AddressV4, "10.30.0.0/16", 32);
        // The form written before quarantine ran on the monotonic clock: only the wall-clock end, long past.
        var old = new PoolSnapshot([], [new PoolSnapshotQuarantine("10.30.0.1", Wall.AddDays(-3))]);
        var state = PoolState.FromSnapshot(pool, old, TimeSpan.Zero, Minute);
        Assert.Equal(["10.30.0.2"], state.Preview(1, Later(Now, 59)));
        Assert.Equal(["10.30.0.1"], state.Preview(1, Later(Now, 60)));
    }

    private static PoolNow Later(PoolNow now, double seconds) =>
        new(now.Wall.AddSeconds(seconds), now.Monotonic + TimeSpan.FromSeconds(seconds));

    private static void Release(PoolState state, string address, string owner, PoolNow at, List<object>? journal = null)
    {
        var (released, error) = state.DecideRelease(address, owner, true, at, Minute);
        Assert.Null(error);
        state.Apply(released!, at.Monotonic);
        journal?.Add(released!);
    }

    private static PoolState Replay(PoolDefinition pool, IEnumerable<object> journal, TimeSpan appliedAt)
    {
        var state = new PoolState(pool);
        foreach (var e in journal)
            if (e is PoolAddressAllocated allocated) state.Apply(allocated);
            else state.Apply((PoolAddressReleased)e, appliedAt);
        return state;
    }
}
