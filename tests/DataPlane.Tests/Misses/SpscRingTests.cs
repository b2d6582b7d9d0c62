using Oakestra.Actors.DataPlane.Misses;

namespace Oakestra.Actors.DataPlane.Tests.Misses;

public class SpscRingTests
{
    [Fact]
    public void Bounded_ring_refuses_when_full_and_keeps_order()
    {
        var ring = new SpscRing<long>(4);
        for (long i = 0; i < 4; i++) Assert.True(ring.TryWrite(i));
        Assert.False(ring.TryWrite(99));
        for (long i = 0; i < 4; i++) { Assert.True(ring.TryRead(out var v)); Assert.Equal(i, v); }
        Assert.False(ring.TryRead(out _));
    }

    [Fact]
    public async Task One_producer_and_one_consumer_thread_see_every_item_once_in_order()
    {
        var ring = new SpscRing<long>(64);
        const long n = 200_000;
        var producer = Task.Run(() => { for (long i = 0; i < n;) if (ring.TryWrite(i)) i++; else Thread.SpinWait(1); });
        var consumer = Task.Run(() =>
        {
            long expected = 0;
            while (expected < n)
            {
                if (!ring.TryRead(out var v)) { Thread.SpinWait(1); continue; }
                if (v != expected) return false;
                expected++;
            }
            return true;
        });
        await producer;
        Assert.True(await consumer);
    }
}
