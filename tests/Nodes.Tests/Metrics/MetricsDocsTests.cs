using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Oakestra.Actors.Contracts.Hosting.Metrics;
using Oakestra.Actors.Contracts.Messaging;
using Oakestra.Actors.Root.Api.Metrics;
using Oakestra.Actors.WorkerNode.Hosting;
using Oakestra.Actors.WorkerNode.Ports.Inert;

namespace Oakestra.Actors.Nodes.Tests.Metrics;

/// <summary>docs/METRICS.md lists every series the processes export, and nothing they do not.</summary>
[Collection(MetricsCollection.Name)]
public sealed class MetricsDocsTests
{
    [Fact]
    public void Docs_list_every_exported_series_and_only_those()
    {
        var exported = ExportedNames();
        var documented = DocumentedNames();
        Assert.Contains("oak_dataplane_packets_total", exported);
        Assert.Contains("oak_api_request_duration_seconds", exported);
        Assert.Empty(exported.Except(documented)); // exported but missing from docs/METRICS.md
        Assert.Empty(documented.Except(exported)); // documented but no longer exported
    }

    /// <summary>
    /// The Prometheus name of every instrument the processes create, as the exporter writes it: counters end in
    /// <c>_total</c>, unit <c>s</c> becomes <c>_seconds</c>, annotations in braces are dropped.
    /// </summary>
    private static HashSet<string> ExportedNames()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, _) =>
        {
            if (instrument.Meter.Name == OakMetrics.MeterName || instrument.Meter.Name.StartsWith(OakMetrics.MeterName + ".", StringComparison.Ordinal))
                lock (names) names.Add(PrometheusName(instrument));
        };
        listener.Start();

        RuntimeHelpers.RunClassConstructor(typeof(SenderRefusals).TypeHandle);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOakMetricSources("worker");
        using var sp = services.BuildServiceProvider();
        OakMetrics.StartSources(sp);
        var meters = sp.GetRequiredService<IMeterFactory>();
        _ = new DataPlaneMetrics(new WatchedDataPlane(new InertDataPlane()), meters);
        _ = new RootMetrics(null!, meters, NullLogger<RootMetrics>.Instance); // creating the instruments asks nothing of the control plane
        return names;
    }

    private static string PrometheusName(Instrument instrument)
    {
        var unit = instrument.Unit switch { "s" => "_seconds", null or "" => "", { } u when u.StartsWith('{') => "", { } u => "_" + u };
        var kind = instrument.GetType().GetGenericTypeDefinition();
        var counter = kind == typeof(Counter<>) || kind == typeof(ObservableCounter<>);
        return instrument.Name + unit + (counter ? "_total" : "");
    }

    /// <summary>The first cell of every table row of docs/METRICS.md that names a series.</summary>
    private static HashSet<string> DocumentedNames()
    {
        var text = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "METRICS.md"));
        return Regex.Matches(text, @"^\| `(?<name>oak_[a-z0-9_]+)` \|", RegexOptions.Multiline).Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Oakestra.Actors.sln"))) return dir.FullName;
        throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }
}
