using System.Diagnostics;
using System.Net;
using Oakestra.Actors.DataPlane.Tunnel;

namespace Oakestra.Actors.DataPlane.Tests.Io;

/// <summary>The RTT the Closest policy reads: a peer's distance, not its loop thread's momentary load.</summary>
public sealed class PeerRttTests
{
    private static readonly long F = Stopwatch.Frequency;
    private static long Ms(double ms) => (long)(ms * F / 1000);

    private static PeerRttState Fresh() => new(new IPEndPoint(IPAddress.Parse("10.77.0.2"), 50103));

    private static void Reply(PeerRttState s, double atSeconds, double rttMs)
    {
        var now = (long)(atSeconds * F) + F; // never 0: 0 means "no reply" for LastReplyTimestamp
        s.OnReply(now, now - Ms(rttMs));
    }

    [Fact]
    public void Busy_spells_do_not_make_a_near_peer_look_far()
    {
        var s = Fresh();
        Assert.Null(s.Minimum);
        Reply(s, 0, 0.4);
        for (var t = 1; t <= 8; t++) Reply(s, t, 9.0); // the peer's loop thread was descheduled for a while
        Assert.Equal(0.4, s.Minimum!.Value.TotalMilliseconds, 2);
        Assert.True(s.Smoothed!.Value.TotalMilliseconds > 5, $"smoothed {s.Smoothed} follows the load, the minimum does not");
    }

    [Fact]
    public void A_real_path_change_shows_within_one_window()
    {
        var s = Fresh();
        Reply(s, 0, 0.4);
        for (var t = 1; t <= 12; t++) Reply(s, t, 30.0); // the path is now 30 ms long
        Assert.Equal(30.0, s.Minimum!.Value.TotalMilliseconds, 2);
    }

    [Fact]
    public void A_long_silence_forgets_old_samples()
    {
        var s = Fresh();
        Reply(s, 0, 0.4);
        Reply(s, 60, 12.0);
        Assert.Equal(12.0, s.Minimum!.Value.TotalMilliseconds, 2);
    }

    [Fact]
    public void A_lower_sample_lowers_the_minimum_at_once()
    {
        var s = Fresh();
        Reply(s, 0, 5.0);
        Reply(s, 1, 3.0);
        Assert.Equal(3.0, s.Minimum!.Value.TotalMilliseconds, 2);
        Assert.Equal(3.0, s.Last!.Value.TotalMilliseconds, 2);
    }
}
