using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Oakestra.Actors.Contracts.Hosting.Health;

namespace Oakestra.Actors.WorkerNode.Hosting;

/// <summary>
/// A worker's readiness beyond its cluster membership (docs/METRICS.md#health): its packet path forwards (the TUN
/// device is open and present, the forwarding loop's threads run) and it forwards by a table the agent published
/// (restored at start or received from its orchestrator; kept current by deltas while the worker is a member).
/// </summary>
public static class WorkerHealth
{
    public static IHealthChecksBuilder AddWorkerChecks(this IHealthChecksBuilder health)
    {
        health.Add(new HealthCheckRegistration("data-plane", sp => new IncarnationHealthChecks.Check(_ => DataPlane(sp.GetRequiredService<WatchedDataPlane>())),
            HealthStatus.Unhealthy, [OakHealth.Ready]));
        health.Add(new HealthCheckRegistration("table", sp => new IncarnationHealthChecks.Check(_ => Table(sp.GetRequiredService<WatchedDataPlane>())),
            HealthStatus.Unhealthy, [OakHealth.Ready]));
        return health;
    }

    public static HealthCheckResult DataPlane(WatchedDataPlane dataPlane) =>
        dataPlane.ForwardingProblem is { } problem ? HealthCheckResult.Unhealthy(problem) : HealthCheckResult.Healthy("forwarding");

    public static HealthCheckResult Table(WatchedDataPlane dataPlane) => dataPlane.Last is { } last
        ? HealthCheckResult.Healthy(string.Create(CultureInfo.InvariantCulture,
            $"version {last.Table.Version}: {last.Table.Services.Count} services, {last.Table.LocalInstances.Count} local instances, published {last.At:O}"))
        : HealthCheckResult.Unhealthy("no table published to the data plane yet");
}
