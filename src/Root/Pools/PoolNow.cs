namespace Oakestra.Actors.Root.Pools;

/// <summary>
/// One moment as a pool sees it. <see cref="Wall"/> is what gets written down (event times, messages for
/// people); <see cref="Monotonic"/> is what quarantine expiry is decided on (time since the pool actor
/// started, from <see cref="TimeProvider.GetTimestamp"/>), so a step of the wall clock decides nothing.
/// </summary>
public readonly record struct PoolNow(DateTimeOffset Wall, TimeSpan Monotonic)
{
    /// <summary>A clock whose monotonic zero is the moment of the call (the pool actor's start).</summary>
    public static Func<PoolNow> Clock(TimeProvider provider)
    {
        var start = provider.GetTimestamp();
        return () => new PoolNow(provider.GetUtcNow(), provider.GetElapsedTime(start));
    }
}
