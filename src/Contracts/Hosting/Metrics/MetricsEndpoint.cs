using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Oakestra.Actors.Contracts.Hosting.Health;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Oakestra.Actors.Contracts.Hosting.Metrics;

/// <summary>
/// The HTTP endpoint of a process without an API (orchestrator, worker): <c>/metrics</c>, <c>/health/live</c> and
/// <c>/health/ready</c> on <see cref="OakMetrics.UrlsKey"/>, a small Kestrel app of its own beside the process's host. Off when the key is
/// empty. It belongs to the process, not to an ActorSystem incarnation: it answers while a new incarnation starts.
/// Open (no token): it shows counters only, and it listens where the operator puts it.
/// </summary>
public sealed class MetricsEndpoint(IServiceProvider process, IReadOnlyList<string> urls, string role, ILogger<MetricsEndpoint> log) : IHostedService, IAsyncDisposable
{
    /// <summary>Where liveness and readiness are served beside the metrics: <c>/health/live</c>, <c>/health/ready</c>.</summary>
    public const string HealthPath = "/health";

    private WebApplication? _app;

    /// <summary>The addresses it listens on once started (with the ports Kestrel chose for port 0).</summary>
    public IReadOnlyList<string> Addresses { get; private set; } = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(process.GetRequiredService<ILoggerFactory>());
        builder.WebHost.UseUrls([.. urls]);
        builder.Services.AddOakMetricsExporter();
        _app = builder.Build();
        _app.MapPrometheusScrapingEndpoint(OakMetrics.Path);
        // Liveness and readiness of the process (its health checks live in the process's services).
        if (process.GetService<HealthCheckService>() is { } health) _app.MapOakHealth(HealthPath, health, role);
        // Instruments of the process (data plane, …) are created on the process's services, so they live as long as it.
        OakMetrics.StartSources(process);
        await _app.StartAsync(cancellationToken);
        Addresses = _app.Urls.ToArray();
        log.LogInformation("metrics and health: {Urls} ({Path}, {Health}/live, {Health}/ready)", string.Join(", ", Addresses), OakMetrics.Path, HealthPath, HealthPath);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null) await _app.StopAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
    }
}

public static class MetricsEndpointHosting
{
    /// <summary>
    /// The process's instruments (<see cref="OakMetrics.AddOakMetricSources"/>) and, when <see cref="OakMetrics.UrlsKey"/>
    /// names addresses, the <see cref="MetricsEndpoint"/> serving them.
    /// </summary>
    public static IServiceCollection AddMetricsEndpoint(this IServiceCollection services, IConfiguration configuration, string role)
    {
        var urls = Urls(configuration);
        services.AddOakMetricSources(role);
        if (urls.Count > 0)
        {
            services.AddSingleton(sp => new MetricsEndpoint(sp, urls, role, sp.GetRequiredService<ILogger<MetricsEndpoint>>()));
            services.AddHostedService(sp => sp.GetRequiredService<MetricsEndpoint>());
        }
        return services;
    }

    /// <summary>The addresses of Oak:Metrics:Urls, separated by <c>;</c> or <c>,</c>.</summary>
    public static IReadOnlyList<string> Urls(IConfiguration configuration) =>
        (configuration[OakMetrics.UrlsKey] ?? "").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

}
