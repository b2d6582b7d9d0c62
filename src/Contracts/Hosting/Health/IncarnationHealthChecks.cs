using Akka.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Oakestra.Actors.Contracts.Hosting.Health;

/// <summary>
/// Health of a process whose ActorSystem runs as incarnations (orchestrator, worker): live while the process runs
/// its incarnations (a downed ActorSystem is replaced, not a reason to restart the process); ready while the current
/// ActorSystem runs and is an Up member of its cluster (Akka.Hosting's own checks live in each incarnation's
/// services, which the process's endpoint does not see: these read <see cref="ActorSystemIncarnations.Current"/>).
/// </summary>
public static class IncarnationHealthChecks
{
    public static IHealthChecksBuilder AddIncarnationChecks(this IHealthChecksBuilder health)
    {
        health.Add(new HealthCheckRegistration("process", sp => new Check(_ => HealthCheckResult.Healthy("the process runs its ActorSystem incarnations")),
            HealthStatus.Unhealthy, [OakHealth.Live]));
        health.Add(new HealthCheckRegistration("cluster-member", sp => new Check(_ => Member(sp.GetRequiredService<ActorSystemIncarnations>())),
            HealthStatus.Unhealthy, [OakHealth.Ready]));
        return health;
    }

    private static HealthCheckResult Member(ActorSystemIncarnations incarnations)
    {
        if (incarnations.Current is not { } system) return HealthCheckResult.Unhealthy($"no ActorSystem (incarnation {incarnations.Count} ended; the next one starts)");
        if (system.WhenTerminated.IsCompleted) return HealthCheckResult.Unhealthy($"ActorSystem incarnation {incarnations.Count} terminated");
        var self = Cluster.Get(system).SelfMember;
        return self.Status == MemberStatus.Up
            ? HealthCheckResult.Healthy($"incarnation {incarnations.Count}: {self.Address} is Up in {system.Name}")
            : HealthCheckResult.Unhealthy($"incarnation {incarnations.Count}: {self.Address} is {self.Status} in {system.Name}, not Up");
    }

    /// <summary>A check from a function (the process's checks are cheap reads, no I/O).</summary>
    public sealed class Check(Func<HealthCheckContext, HealthCheckResult> check) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(check(context));
    }
}
