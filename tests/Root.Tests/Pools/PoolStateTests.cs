using Oakestra.Actors.Root.Pools;

namespace Oakestra.Actors.Root.Tests.Pools;

/// <summary>The pure allocation logic (no actor): carries, skipping, subnet numbering, large offsets.</summary>
public sealed class PoolStateTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static string Allocate(PoolState state, string owner, string? requested = null)
    {
        var (evt, existing, error) = state.DecideAllocate(owner, requested, false, Now);
        Assert.Null(error);
        if (existing is not null) return existing.Address;
        state.Apply(evt!);
        return evt!.Address;
    }

    [Fact]
    public void Ipv6_allocation_carries_across_a_16_bit_group()
    {
        var state = new PoolState(new PoolDefinition("p", PoolKind.AddressV6, "fdff:2000::/21", 128));
        // Hold ::1..::fffe by requesting the one before the boundary and filling below it cheaply via snapshot.
        var held = Enumerable.Range(1, 0xfffe).Select(i => new PoolSnapshotHolding($"fdff:2000::{i:x}", "o")).ToArray();
        state = PoolState.FromSnapshot(state.Pool, new PoolSnapshot(held, []));
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
        var (released, _) = state.DecideRelease(b, "b", true, Now, TimeSpan.FromSeconds(60));
        state.Apply(released!);

        var copy = PoolState.FromSnapshot(pool, state.ToSnapshot());
        Assert.Equal("a", copy.OwnerOf("10.30.0.1")?.Owner);
        Assert.Equal(PoolErrorKind.Quarantined, copy.DecideAllocate("c", b, false, Now).Error?.Kind);
        Assert.Equal(["10.30.0.3"], copy.Preview(1, Now));
        Assert.Equal(["10.30.0.2"], copy.Preview(1, Now.AddSeconds(60)));
    }
}
