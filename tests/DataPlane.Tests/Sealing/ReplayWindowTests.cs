using Oakestra.Actors.DataPlane.Tunnel;
using Xunit;

namespace Oakestra.Actors.DataPlane.Tests.Sealing;

public sealed class ReplayWindowTests
{
    [Fact]
    public void Each_counter_is_taken_once_in_any_order_within_the_window()
    {
        var w = new ReplayWindow();
        Assert.True(w.Accept(0));
        Assert.True(w.Accept(5));
        Assert.True(w.Accept(3));
        Assert.False(w.Accept(3));
        Assert.False(w.Accept(5));
        Assert.False(w.MayAccept(0));
        Assert.True(w.MayAccept(4));
    }

    [Fact]
    public void The_window_holds_at_least_2048_behind_the_newest_and_refuses_older()
    {
        Assert.True(ReplayWindow.Size >= 2048);
        var w = new ReplayWindow();
        Assert.True(w.Accept(10_000));
        var oldest = 10_000 - ReplayWindow.Size;
        Assert.True(w.MayAccept(oldest));
        Assert.True(w.Accept(oldest));
        Assert.False(w.Accept(oldest));
        Assert.False(w.MayAccept(oldest - 1));
        Assert.False(w.Accept(oldest - 1));
    }

    [Fact]
    public void A_jump_forward_forgets_the_bits_it_moves_over()
    {
        var w = new ReplayWindow();
        for (ulong c = 0; c < 200; c++) Assert.True(w.Accept(c));
        // Far ahead: the ring is cleared, and the counters that are back in the window's span are new again.
        Assert.True(w.Accept(1_000_000));
        Assert.True(w.Accept(1_000_000 - 64));
        Assert.False(w.Accept(150)); // far behind now
        // A model check over a random walk: accepted exactly when new and not too old.
        var model = new HashSet<ulong>();
        var rng = new Random(7);
        var v = new ReplayWindow();
        ulong newest = 0;
        for (var i = 0; i < 200_000; i++)
        {
            var c = (ulong)Math.Max(0, (long)newest + rng.Next(-9000, 300));
            var expected = (c > newest || newest - c <= ReplayWindow.Size) && !model.Contains(c);
            Assert.Equal(expected, v.MayAccept(c));
            Assert.Equal(expected, v.Accept(c));
            if (expected) { model.Add(c); newest = Math.Max(newest, c); }
        }
    }
}
