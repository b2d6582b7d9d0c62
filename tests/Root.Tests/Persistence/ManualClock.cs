namespace Oakestra.Actors.Root.Tests.Persistence;

/// <summary>
/// Clock the test moves by hand (quarantine expiry without sleeping). <see cref="Advance"/> lets time pass (wall and
/// monotonic clock together); <see cref="StepWall"/> only steps the wall clock, as an NTP correction or `date` would.
/// </summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;
    private long _monotonic;

    public ManualClock() : this(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)) { }

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public override long GetTimestamp() => Interlocked.Read(ref _monotonic);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public void Advance(TimeSpan by)
    {
        Interlocked.Add(ref _monotonic, by.Ticks);
        Interlocked.Add(ref _ticks, by.Ticks);
    }

    public void StepWall(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
