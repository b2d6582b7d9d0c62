using System.Diagnostics.Metrics;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace Oakestra.Actors.Contracts.Hosting.Metrics;

/// <summary>
/// What every process exports in Prometheus text format (docs/METRICS.md): the instruments of the meters named
/// <see cref="MeterName"/> and <c>Oakestra.Actors.*</c> (System.Diagnostics.Metrics), through OpenTelemetry's
/// Prometheus exporter. Counters come out as <c>…_total</c>, instruments with unit <c>s</c> as <c>…_seconds</c>;
/// the exporter adds the label <c>otel_scope_name</c> (the meter) to every series and a <c>target_info</c> series.
/// </summary>
public static class OakMetrics
{
    /// <summary>The shared meter (sender refusals, build info); each area has its own below it (<c>Oakestra.Actors.DataPlane</c>, …).</summary>
    public const string MeterName = "Oakestra.Actors";

    /// <summary>The path every process serves its metrics at.</summary>
    public const string Path = "/metrics";

    /// <summary>Oak:Metrics:Urls: where an orchestrator or worker serves <see cref="Path"/> (semicolon-separated, as ASP.NET's --urls); none = off.</summary>
    public const string UrlsKey = "Oak:Metrics:Urls";

    /// <summary>
    /// Buckets for durations in seconds, 1 ms to 60 s (the exporter's default buckets are for milliseconds).
    /// Given as advice when an instrument is created: <c>meter.CreateHistogram&lt;double&gt;(…, advice: OakMetrics.SecondsAdvice)</c>.
    /// </summary>
    public static InstrumentAdvice<double> SecondsAdvice { get; } = new()
    {
        HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    };

    /// <summary>
    /// The process's instruments: <see cref="IMeterFactory"/> (meters disposed with the process's services) and the
    /// <c>oak_build_info</c> gauge naming the role. Areas add their <see cref="IMetricsSource"/> singletons beside it.
    /// </summary>
    public static IServiceCollection AddOakMetricSources(this IServiceCollection services, string role)
    {
        services.AddMetrics();
        services.AddSingleton<IMetricsSource>(sp => new BuildInfo(sp.GetRequiredService<IMeterFactory>(), role));
        return services;
    }

    /// <summary>
    /// The OpenTelemetry meter provider and its Prometheus exporter (map the endpoint with
    /// <c>MapPrometheusScrapingEndpoint(OakMetrics.Path)</c>). Observable instruments are read at scrape time only;
    /// the exporter keeps no cached answer (every scrape is fresh).
    /// </summary>
    public static IServiceCollection AddOakMetricsExporter(this IServiceCollection services)
    {
        services.AddOpenTelemetry().WithMetrics(m => m
            .AddMeter(MeterName, MeterName + ".*")
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        return services;
    }

    /// <summary>Creates every registered <see cref="IMetricsSource"/> (their instruments exist from then on).</summary>
    public static void StartSources(IServiceProvider services)
    {
        foreach (var _ in services.GetServices<IMetricsSource>()) { }
    }

    private sealed class BuildInfo : IMetricsSource
    {
        public BuildInfo(IMeterFactory meters, string role)
        {
            var version = typeof(OakMetrics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            var tags = new KeyValuePair<string, object?>[] { new("role", role), new("version", version) };
            meters.Create(MeterName).CreateObservableGauge("oak_build_info", () => new Measurement<long>(1, tags),
                description: "1, labelled with the process's role and version");
        }
    }
}

/// <summary>
/// A set of instruments created when the metrics endpoint starts (a singleton in the process's services): the
/// observable ones read what their area already counts, at scrape time.
/// </summary>
public interface IMetricsSource;
