using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Oakestra.Actors.Bench.ControlPlane;

/// <summary>Nearest-rank percentiles of a list of milliseconds.</summary>
public sealed record Percentiles(int Count, double P50, double P99, double Max)
{
    public static Percentiles Of(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        if (sorted.Length == 0) return new Percentiles(0, double.NaN, double.NaN, double.NaN);
        double At(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new Percentiles(sorted.Length, At(0.50), At(0.99), sorted[^1]);
    }
}

/// <summary>
/// What one size measured. <see cref="Propagation"/>: per change, from the API call to the last interested worker's
/// table (the JSON's propagation_ms); <see cref="PerWorker"/>: every interested worker's own delay.
/// Memory: each process's RSS (VmRSS) after the changes, peak (VmHWM) beside it; the orchestrator figure is the mean
/// over the sites' processes. <see cref="LoadEventsPerSecond"/>: journal events written per second while the load
/// (services and instances) went in (the JSON's journal_events_per_s).
/// </summary>
public sealed record BenchResult(BenchSize Size)
{
    /// <summary>Changes per second of this result's measured changes.</summary>
    public double Rate { get; init; }

    public Percentiles Propagation { get; init; } = Percentiles.Of([]);
    public Percentiles PerWorker { get; init; } = Percentiles.Of([]);
    public Percentiles Answer { get; init; } = Percentiles.Of([]);
    public Percentiles AfterAnswer { get; init; } = Percentiles.Of([]);
    public Percentiles FanOut { get; init; } = Percentiles.Of([]);
    public int ChangesMade { get; init; }
    public IReadOnlyList<string> Lost { get; init; } = [];
    /// <summary>The slowest single deliveries: delay, worker, why it was waited for.</summary>
    public IReadOnlyList<string> Slowest { get; init; } = [];
    public double InterestedPerChange { get; init; }
    public double RootRssMb { get; init; }
    public double RootPeakMb { get; init; }
    public double OrchestratorRssMb { get; init; }
    public double OrchestratorMaxRssMb { get; init; }
    public double OrchestratorPeakMb { get; init; }
    public double WorkersRssMb { get; init; }
    public double WorkersGcHeapMb { get; init; }
    public TimeSpan Registration { get; init; }
    public TimeSpan Load { get; init; }
    public long LoadEvents { get; init; }
    public double LoadEventsPerSecond { get; init; }
    public double ChangeEventsPerSecond { get; init; }
    public int Retries { get; init; }
    public string LoadAverage { get; init; } = "?";

    public static string ReadLoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
    public int InterestsHeld { get; init; }
    public int InterestsWanted { get; init; }

    public string Json()
    {
        static JsonNode N(double v) => JsonValue.Create(Math.Round(v, 1))!;
        return new JsonObject
        {
            ["sites"] = Size.Sites,
            ["workers"] = Size.Workers,
            ["services"] = Size.Services,
            ["instances"] = Size.Instances,
            ["propagation_ms"] = new JsonObject { ["p50"] = N(Propagation.P50), ["p99"] = N(Propagation.P99), ["max"] = N(Propagation.Max) },
            ["root_rss_mb"] = N(RootRssMb),
            ["orchestrator_rss_mb"] = N(OrchestratorRssMb),
            ["journal_events_per_s"] = N(LoadEventsPerSecond),
        }.ToJsonString();
    }

    public string Table()
    {
        var c = CultureInfo.InvariantCulture;
        var rows = new List<(string, string)>
        {
            ("size", Size.ToString()),
            ("workers registered (all with subnets) after", $"{Registration.TotalSeconds:0.0} s"),
            ("load (services created, instances Running on their workers)", $"{Load.TotalSeconds:0.0} s, {LoadEvents} journal events, {LoadEventsPerSecond:0} events/s, {Retries} requests retried after a 503/504"),
            ("remote interests held", $"{InterestsHeld} of {InterestsWanted}"),
            ("changes measured (one instance added each)", $"{ChangesMade} at {Rate.ToString(c)}/s, {InterestedPerChange:0.0} interested workers each on average"),
            ("propagation to every interested worker p50 / p99 / max", $"{Propagation.P50:0.0} / {Propagation.P99:0.0} / {Propagation.Max:0.0} ms"),
            ("  of which: the API's answer p50 / p99 / max", $"{Answer.P50:0.0} / {Answer.P99:0.0} / {Answer.Max:0.0} ms"),
            ("  from the answer to the last worker p50 / p99 / max", $"{AfterAnswer.P50:0.0} / {AfterAnswer.P99:0.0} / {AfterAnswer.Max:0.0} ms"),
            ("  first to last interested worker p50 / p99 / max", $"{FanOut.P50:0.0} / {FanOut.P99:0.0} / {FanOut.Max:0.0} ms"),
            ("per interested worker p50 / p99 / max", $"{PerWorker.P50:0.0} / {PerWorker.P99:0.0} / {PerWorker.Max:0.0} ms ({PerWorker.Count} deliveries)"),
            ("slowest deliveries", Slowest.Count == 0 ? "-" : string.Join("; ", Slowest)),
            ("changes not complete within the deadline", Lost.Count == 0 ? "0" : $"{Lost.Count}: {string.Join("; ", Lost.Take(5))}"),
            ("journal events/s during the changes", $"{ChangeEventsPerSecond:0}"),
            ("root RSS (peak)", $"{RootRssMb:0} MiB ({RootPeakMb:0})"),
            ("orchestrator RSS mean / max (peak)", $"{OrchestratorRssMb:0} / {OrchestratorMaxRssMb:0} MiB ({OrchestratorPeakMb:0})"),
            ("bench process (inert workers) RSS, GC heap", $"{WorkersRssMb:0} MiB, {WorkersGcHeapMb:0} MiB"),
            ("load average at the end (1/5/15 min)", LoadAverage),
        };
        var width = rows.Max(r => r.Item1.Length);
        var sb = new StringBuilder();
        foreach (var (k, v) in rows) sb.Append(k.PadRight(width)).Append("  ").AppendLine(v);
        return sb.ToString();
    }
}
