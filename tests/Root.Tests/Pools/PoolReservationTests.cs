using Oakestra.Actors.Root.Pools;

namespace Oakestra.Actors.Root.Tests.Pools;

/// <summary>
/// Holdings as reservations (pure, no actor): unconfirmed from their allocation, listed once past the grace, reclaimed
/// only as the audit saw them; a retry that comes back for its address, or a confirmation, wins over a reclaim.
/// </summary>
public sealed class PoolReservationTests
{
    private static readonly DateTimeOffset Wall = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan Quarantine = TimeSpan.FromSeconds(60);

    private static PoolNow At(double seconds) => new(Wall + TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(seconds));

    private static (PoolState State, string Address) Held(string owner = "service:a/round_robin", double at = 0)
    {
        var state = new PoolState(new PoolDefinition("p", PoolKind.AddressV4, "10.30.0.0/16", 32));
        var (evt, _, _) = state.DecideAllocate(owner, null, false, At(at));
        state.Apply(evt!, At(at).Monotonic);
        return (state, evt!.Address);
    }

    [Fact]
    public void A_holding_is_listed_as_unconfirmed_only_once_it_is_older_than_the_grace()
    {
        var (state, address) = Held();
        Assert.Empty(state.Unconfirmed(At(119).Monotonic, Grace, null, 10).Holdings);
        var listed = Assert.Single(state.Unconfirmed(At(120).Monotonic, Grace, null, 10).Holdings);
        Assert.Equal((address, "service:a/round_robin", TimeSpan.Zero), (listed.Address, listed.Owner, listed.Since));
    }

    [Fact]
    public void A_listed_holding_is_reclaimed_into_quarantine()
    {
        var (state, address) = Held();
        var listed = state.Unconfirmed(At(130).Monotonic, Grace, null, 10).Holdings[0];
        var (evt, error) = state.DecideReclaim(listed.Address, listed.Owner, listed.Since, Grace, At(130), Quarantine);
        Assert.Null(error);
        Assert.Equal(Wall + TimeSpan.FromSeconds(190), evt!.QuarantinedUntil);
        state.Apply(evt, At(130).Monotonic);
        Assert.Null(state.OwnerOf(address));
        Assert.DoesNotContain(address, state.Preview(5, At(131)));
    }

    [Fact]
    public void A_retry_that_comes_back_for_its_address_after_the_listing_makes_the_reclaim_fail()
    {
        var (state, address) = Held("instance:a.3");
        var listed = state.Unconfirmed(At(130).Monotonic, Grace, null, 10).Holdings[0];
        var (_, existing, _) = state.DecideAllocate("instance:a.3", null, reuseIfHeld: true, At(131));
        Assert.Equal(address, existing!.Address);
        state.Touch(address, At(131).Monotonic); // what the pool actor does with a reused lease
        var (evt, error) = state.DecideReclaim(listed.Address, listed.Owner, listed.Since, Grace, At(132), Quarantine);
        Assert.Null(evt);
        Assert.Equal(PoolErrorKind.NotHeld, error!.Kind);
        Assert.Empty(state.Unconfirmed(At(200).Monotonic, Grace, null, 10).Holdings); // its grace started over
    }

    [Fact]
    public void A_confirmed_holding_is_neither_listed_nor_reclaimable_until_its_confirmation_runs_out()
    {
        var (state, _) = Held();
        var listed = state.Unconfirmed(At(130).Monotonic, Grace, null, 10).Holdings[0];
        Assert.True(state.Confirm(listed.Address, listed.Owner, listed.Since, At(130 + 3600).Monotonic));
        Assert.Empty(state.Unconfirmed(At(1000).Monotonic, Grace, null, 10).Holdings);
        Assert.NotNull(state.DecideReclaim(listed.Address, listed.Owner, listed.Since, Grace, At(1000), Quarantine).Error);
        Assert.Single(state.Unconfirmed(At(130 + 3601).Monotonic, Grace, null, 10).Holdings);
    }

    [Fact]
    public void A_reclaim_names_its_owner_and_never_takes_an_address_another_owner_got_meanwhile()
    {
        var (state, address) = Held();
        var listed = state.Unconfirmed(At(130).Monotonic, Grace, null, 10).Holdings[0];
        state.Apply(new PoolAddressReleased(address, listed.Owner, Wall, null), At(131).Monotonic);
        var (again, _, _) = state.DecideAllocate("service:b/round_robin", address, false, At(132));
        state.Apply(again!, At(132).Monotonic);
        var (evt, error) = state.DecideReclaim(listed.Address, listed.Owner, listed.Since, Grace, At(500), Quarantine);
        Assert.Null(evt);
        Assert.Equal(PoolErrorKind.NotHeld, error!.Kind);
        Assert.Equal("service:b/round_robin", state.OwnerOf(address)!.Owner);
    }

    [Fact]
    public void A_recovered_pool_gives_every_holding_a_full_grace_from_the_recovery()
    {
        var state = new PoolState(new PoolDefinition("p", PoolKind.AddressV4, "10.30.0.0/16", 32));
        // Replayed at monotonic 10 s (the pool's start); allocated a day earlier by the wall clock.
        state.Apply(new PoolAddressAllocated("10.30.0.1", "service:a/closest", Wall - TimeSpan.FromDays(1)), TimeSpan.FromSeconds(10));
        Assert.Empty(state.Unconfirmed(At(129).Monotonic, Grace, null, 10).Holdings);
        Assert.Single(state.Unconfirmed(At(130).Monotonic, Grace, null, 10).Holdings);
    }

    [Fact]
    public void Unconfirmed_holdings_come_in_pages_in_address_order()
    {
        var state = new PoolState(new PoolDefinition("p", PoolKind.AddressV4, "10.30.0.0/16", 32));
        for (var i = 0; i < 5; i++)
        {
            var (evt, _, _) = state.DecideAllocate($"instance:a.{i}", null, false, At(0));
            state.Apply(evt!, TimeSpan.Zero);
        }
        var first = state.Unconfirmed(At(200).Monotonic, Grace, null, 2);
        Assert.True(first.More);
        var second = state.Unconfirmed(At(200).Monotonic, Grace, first.Holdings[^1].Address, 2);
        var third = state.Unconfirmed(At(200).Monotonic, Grace, second.Holdings[^1].Address, 2);
        Assert.False(third.More);
        Assert.Equal(["10.30.0.1", "10.30.0.2", "10.30.0.3", "10.30.0.4", "10.30.0.5"],
            first.Holdings.Concat(second.Holdings).Concat(third.Holdings).Select(h => h.Address));
    }
}
