using System.Collections.Concurrent;
using System.Diagnostics;

namespace Oakestra.Actors.Bench.ControlPlane;

/// <summary>
/// One measured change: an instance added to <see cref="ServiceId"/> at <see cref="StartedTicks"/> (Stopwatch ticks).
/// <see cref="Interested"/>: the workers whose table held the service when the change was made; the node the new
/// instance lands on becomes interested through the change and is waited for as well. Every worker that publishes
/// a table with a Running instance not in <see cref="Baseline"/> records its time once.
/// </summary>
public sealed class ChangeWatch(string serviceId, IReadOnlySet<string> baseline, IReadOnlySet<string> interested, long startedTicks)
{
    public string ServiceId { get; } = serviceId;
    public IReadOnlySet<string> Baseline { get; } = baseline;
    public IReadOnlySet<string> Interested { get; } = interested;
    public long StartedTicks { get; } = startedTicks;
    public ConcurrentDictionary<string, long> Applied { get; } = new(StringComparer.Ordinal);
    private volatile string? _newNode;

    /// <summary>When the API answered the change (Stopwatch ticks): the instance exists, placement follows.</summary>
    public long AnsweredTicks { get; set; }

    /// <summary>Where the new instance runs, once some worker's table showed it Running.</summary>
    public string? NewNode { get => _newNode; set => _newNode ??= value; }

    /// <summary>Every interested worker (and the new instance's node) applied the change.</summary>
    public bool Complete => NewNode is { } n && Applied.ContainsKey(n) && Interested.All(Applied.ContainsKey);

    /// <summary>The workers still waited for.</summary>
    public IReadOnlyList<string> Missing =>
        Interested.Append(NewNode ?? "(the new instance's node, unknown)").Distinct().Where(w => !Applied.ContainsKey(w)).ToArray();

    /// <summary>From the change to the last interested worker's table, in milliseconds.</summary>
    public double PropagationMs =>
        Interested.Append(NewNode!).Select(w => Applied[w]).Max() is var last ? (last - StartedTicks) * 1000.0 / Stopwatch.Frequency : 0;

    /// <summary>From the API's answer to the last interested worker's table, in milliseconds.</summary>
    public double AfterAnswerMs => (LastTicks - AnsweredTicks) * 1000.0 / Stopwatch.Frequency;

    /// <summary>From the first interested worker's table to the last one's: the delta's fan-out alone, in milliseconds.</summary>
    public double FanOutMs => (LastTicks - Interested.Append(NewNode!).Select(w => Applied[w]).Min()) * 1000.0 / Stopwatch.Frequency;

    private long LastTicks => Interested.Append(NewNode!).Select(w => Applied[w]).Max();

    /// <summary>Each interested worker's own delay and why it was waited for (the slowest ones are printed).</summary>
    public IEnumerable<(double Ms, string Node, string Why)> Deliveries =>
        Interested.Append(NewNode!).Distinct().Select(w => ((Applied[w] - StartedTicks) * 1000.0 / Stopwatch.Frequency, w,
            w != NewNode ? "held the service" : Interested.Contains(w) ? "the new instance's node, held the service" : "the new instance's node"));

    /// <summary>Each interested worker's own delay, in milliseconds.</summary>
    public IEnumerable<double> PerWorkerMs =>
        Interested.Append(NewNode!).Distinct().Select(w => (Applied[w] - StartedTicks) * 1000.0 / Stopwatch.Frequency);
}

/// <summary>The changes being measured, by service (at most one change per service at a time).</summary>
public sealed class ChangeWatches
{
    private readonly ConcurrentDictionary<string, ChangeWatch> _byService = new(StringComparer.Ordinal);

    public bool IsEmpty => _byService.IsEmpty;

    public void Add(ChangeWatch watch)
    {
        if (!_byService.TryAdd(watch.ServiceId, watch)) throw new InvalidOperationException($"{watch.ServiceId} is measured already");
    }

    public void Remove(ChangeWatch watch) => _byService.TryRemove(watch.ServiceId, out _);

    public bool TryGet(string serviceId, out ChangeWatch watch) => _byService.TryGetValue(serviceId, out watch!);
}
