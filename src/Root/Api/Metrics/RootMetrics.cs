using System.Diagnostics;
using Akka.Actor;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Routing;
using Oakestra.Actors.Contracts.Hosting.Metrics;

namespace Oakestra.Actors.Root.Api.Metrics;

/// <summary>
/// The root's series of docs/METRICS.md (meter <see cref="MeterName"/>): API request durations, services and
/// instances by status, addresses per pool. The entity counts come from the control plane every
/// <see cref="SampleEvery"/> while someone scrapes (a scrape never waits for an actor; nobody scraping for a minute,
/// no sampling); the pool counts are read at scrape time.
/// </summary>
public sealed class RootMetrics : BackgroundService, IMetricsSource
{
    public const string MeterName = OakMetrics.MeterName + ".Root";
    public static readonly TimeSpan SampleEvery = TimeSpan.FromSeconds(5);

    private readonly IControlPlane _controlPlane;
    private readonly ILogger<RootMetrics> _log;
    private readonly Histogram<double> _requests;
    private volatile Sample? _sample;
    private long _lastScrape = long.MinValue / 2; // Environment.TickCount64 of the last scrape that read the counts

    private sealed record Sample(int Services, IReadOnlyDictionary<string, int> InstancesByStatus, IReadOnlyDictionary<string, int> NodesByStatus);

    private readonly Func<ActorSystem?> _system;

    public RootMetrics(IControlPlane controlPlane, IMeterFactory meters, ILogger<RootMetrics> log, Func<ActorSystem?>? system = null)
    {
        _controlPlane = controlPlane;
        _system = system ?? (() => null);
        _log = log;
        var meter = meters.Create(MeterName);
        _requests = meter.CreateHistogram<double>("oak_api_request_duration", unit: "s",
            description: "HTTP API requests by method, route template and status code", advice: OakMetrics.SecondsAdvice);
        meter.CreateObservableGauge("oak_root_services", () => Scraped() is { } s ? [new Measurement<int>(s.Services)] : Array.Empty<Measurement<int>>(),
            unit: "{service}", description: "Services the root tier knows");
        meter.CreateObservableGauge("oak_root_instances", () => ByStatus(_sample?.InstancesByStatus),
            unit: "{instance}", description: "Instances by status (Pending, Starting, Running, Migrating, Failed, …)");
        meter.CreateObservableGauge("oak_root_nodes", () => ByStatus(_sample?.NodesByStatus),
            unit: "{node}", description: "Worker nodes by status as the root reports them");
        meter.CreateObservableGauge("oak_pool_addresses", ReadPools,
            unit: "{address}", description: "Addresses of each pool this root process hosts, by state: used (held), quarantined, free");
    }

    /// <summary>Records one API request (the middleware of <see cref="UseApiRequestMetrics"/>).</summary>
    public void RecordRequest(string method, string route, int status, TimeSpan elapsed) =>
        _requests.Record(elapsed.TotalSeconds,
            new KeyValuePair<string, object?>("method", method),
            new KeyValuePair<string, object?>("route", route),
            new KeyValuePair<string, object?>("status", status.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (Environment.TickCount64 - Interlocked.Read(ref _lastScrape) > ScrapedWithin.TotalMilliseconds)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
                    continue;
                }
                var services = await _controlPlane.ListServicesAsync(stoppingToken);
                var nodes = await _controlPlane.ListNodesAsync(stoppingToken);
                _sample = new Sample(services.Count,
                    services.SelectMany(s => s.Instances).GroupBy(i => i.Status).ToDictionary(g => g.Key, g => g.Count()),
                    nodes.GroupBy(n => n.Status).ToDictionary(g => g.Key, g => g.Count()));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { break; }
            catch (Exception e)
            {
                _log.LogDebug("metrics: the control plane did not answer the entity counts: {Reason}", e.Message);
            }
            try { await Task.Delay(SampleEvery, stoppingToken); }
            catch (OperationCanceledException) { break; }
        }
    }

    private static readonly TimeSpan ScrapedWithin = TimeSpan.FromMinutes(1);

    /// <summary>The last sample, noting that someone reads it (which keeps the sampling going).</summary>
    private Sample? Scraped()
    {
        Interlocked.Exchange(ref _lastScrape, Environment.TickCount64);
        return _sample;
    }

    private static Measurement<int>[] ByStatus(IReadOnlyDictionary<string, int>? counts) =>
        counts is null ? [] : counts.Select(c => new Measurement<int>(c.Value, new KeyValuePair<string, object?>("status", c.Key))).ToArray();

    private IEnumerable<Measurement<double>> ReadPools()
    {
        var measurements = new List<Measurement<double>>();
        if (_system() is not { } system) return measurements;
        foreach (var (pool, held, quarantined) in PoolUsageBoard.Read(system))
        {
            var size = (double)pool.Space.Count;
            void Add(string state, double value) => measurements.Add(new Measurement<double>(value,
                new KeyValuePair<string, object?>("pool", pool.Name), new KeyValuePair<string, object?>("state", state)));
            Add("used", held);
            Add("quarantined", quarantined);
            Add("free", Math.Max(0, size - held - quarantined));
        }
        return measurements;
    }
}

public static class RootMetricsHosting
{
    /// <summary>The root's instruments and exporter; <see cref="MapRootMetrics"/> serves them.</summary>
    public static IServiceCollection AddRootMetrics(this IServiceCollection services)
    {
        services.AddOakMetricSources(Contracts.Hosting.OakestraRoles.Root);
        services.AddOakMetricsExporter();
        services.AddSingleton(sp => new RootMetrics(sp.GetRequiredService<IControlPlane>(), sp.GetRequiredService<IMeterFactory>(),
            sp.GetRequiredService<ILogger<RootMetrics>>(), () => SystemOf(sp)));
        services.AddSingleton<IMetricsSource>(sp => sp.GetRequiredService<RootMetrics>());
        services.AddHostedService(sp => sp.GetRequiredService<RootMetrics>());
        return services;
    }

    /// <summary>The root's ActorSystem once Akka.Hosting started it (a scrape before that shows no pools).</summary>
    private static ActorSystem? SystemOf(IServiceProvider services)
    {
        try { return services.GetService<ActorSystem>(); }
        catch (InvalidOperationException) { return null; }
    }

    /// <summary>
    /// Times every request and records it by method, route template (never the raw path: ids would make a series
    /// each) and status code. Before the request guard, so refused requests (401, 413, 415) count too.
    /// </summary>
    public static IApplicationBuilder UseApiRequestMetrics(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var metrics = context.RequestServices.GetRequiredService<RootMetrics>();
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            metrics.RecordRequest(context.Request.Method, route, context.Response.StatusCode, Stopwatch.GetElapsedTime(started));
        }
    });

    /// <summary><c>GET /metrics</c> on the API's addresses (docs/METRICS.md; the token rule is in RequestGuard).</summary>
    public static IEndpointRouteBuilder MapRootMetrics(this IEndpointRouteBuilder app)
    {
        OakMetrics.StartSources(app.ServiceProvider);
        app.MapPrometheusScrapingEndpoint(OakMetrics.Path);
        return app;
    }
}
