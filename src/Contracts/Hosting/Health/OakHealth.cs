using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Oakestra.Actors.Contracts.Hosting.Health;

/// <summary>
/// Liveness and readiness of a process (ASP.NET Core health checks, docs/METRICS.md#health): checks tagged
/// <see cref="Live"/> say the process should not be restarted; checks tagged <see cref="Ready"/> say it does its job
/// (its ActorSystem is a member of its cluster, a worker forwards, …). Both answer a JSON report of every check:
/// 200 while none is Unhealthy, 503 otherwise.
/// </summary>
public static class OakHealth
{
    public const string Live = "live";
    public const string Ready = "ready";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Runs the checks tagged <paramref name="tag"/> (null: every check).</summary>
    public static Task<HealthReport> CheckAsync(HealthCheckService health, string? tag, CancellationToken ct) =>
        health.CheckHealthAsync(r => tag is null || r.Tags.Contains(tag), ct);

    /// <summary>What a health endpoint answers: <c>status</c> (ok, degraded, unhealthy), <c>role</c>, and each check.</summary>
    public static object Body(HealthReport report, string role) => new
    {
        status = Status(report.Status),
        role,
        checks = report.Entries.Select(e => new
        {
            name = e.Key,
            status = Status(e.Value.Status),
            description = e.Value.Description ?? e.Value.Exception?.Message,
            tags = e.Value.Tags.Where(t => t is Live or Ready).ToArray(),
            duration_ms = Math.Round(e.Value.Duration.TotalMilliseconds, 1),
        }).ToArray(),
    };

    public static string Status(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "ok",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };

    public static int HttpStatus(HealthReport report) => report.Status == HealthStatus.Unhealthy ? 503 : 200;

    public static async Task WriteAsync(HttpContext context, HealthReport report, string role)
    {
        context.Response.StatusCode = HttpStatus(report);
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsJsonAsync(Body(report, role), Json, context.RequestAborted);
    }

    /// <summary><c>GET {prefix}/live</c> and <c>GET {prefix}/ready</c> over the process's checks.</summary>
    public static IEndpointRouteBuilder MapOakHealth(this IEndpointRouteBuilder app, string prefix, HealthCheckService health, string role)
    {
        app.MapGet(prefix + "/live", async (HttpContext c) => await WriteAsync(c, await CheckAsync(health, Live, c.RequestAborted), role));
        app.MapGet(prefix + "/ready", async (HttpContext c) => await WriteAsync(c, await CheckAsync(health, Ready, c.RequestAborted), role));
        return app;
    }
}
