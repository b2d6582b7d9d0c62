using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Oakestra.Actors.Contracts.Hosting;

/// <summary>When a new ActorSystem follows an ended one.</summary>
public sealed record IncarnationOptions
{
    public TimeSpan FirstBackoff { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>An incarnation that lived this long resets the backoff: its end was not part of a crash loop.</summary>
    public TimeSpan StableAfter { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan BackoffAfter(int failuresInARow) =>
        TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, FirstBackoff.Ticks << Math.Min(failuresInARow, 20)));
}

/// <summary>
/// Runs a process's ActorSystem as a series of incarnations, so the process outlives any one of them: an
/// ActorSystem downed by its cluster, quarantined or failed to start is replaced by a new one after a backoff,
/// and everything the process keeps outside it (the worker's instances and forwarding loop) goes on untouched.
/// Each incarnation is a small host of its own built by <c>configure</c> (Akka.Hosting keeps one ActorSystem per
/// host, and stops its host when the ActorSystem ends); the process's own services are passed in.
/// </summary>
public sealed class ActorSystemIncarnations(
    Action<IServiceCollection, IServiceProvider> configure,
    IServiceProvider processServices,
    IncarnationOptions options,
    ILogger<ActorSystemIncarnations> log) : BackgroundService
{
    private volatile ActorSystem? _current;

    /// <summary>The ActorSystem of the running incarnation (null between two of them).</summary>
    public ActorSystem? Current => _current;

    /// <summary>How many incarnations have started (the first is 1).</summary>
    public int Count { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            Count++;
            var started = DateTime.UtcNow;
            string ending;
            try { ending = await RunOneAsync(stoppingToken); }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { break; }
            catch (Exception e)
            {
                ending = $"failed: {e.GetBaseException().Message}";
                log.LogError(e, "ActorSystem incarnation {Incarnation} failed", Count);
            }
            if (stoppingToken.IsCancellationRequested) break;
            failures = DateTime.UtcNow - started >= options.StableAfter ? 0 : failures + 1;
            var backoff = options.BackoffAfter(Math.Max(0, failures - 1));
            log.LogWarning("ActorSystem incarnation {Incarnation} ended ({Ending}); the process goes on, incarnation {Next} starts in {Backoff:0.#} s",
                Count, ending, Count + 1, backoff.TotalSeconds);
            try { await Task.Delay(backoff, stoppingToken); }
            catch (OperationCanceledException) { break; }
        }
    }

    private async Task<string> RunOneAsync(CancellationToken stoppingToken)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton(processServices.GetRequiredService<ILoggerFactory>());
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        // Signals (SIGTERM, Ctrl-C) are the process's business, not one incarnation's.
        builder.Services.AddSingleton<IHostLifetime, IncarnationLifetime>();
        configure(builder.Services, processServices);
        using var host = builder.Build();
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStopping = lifetime.ApplicationStopping.Register(() => ended.TrySetResult());
        await host.StartAsync(stoppingToken);
        var system = host.Services.GetRequiredService<ActorSystem>();
        _current = system;
        try
        {
            await Task.WhenAny(ended.Task, system.WhenTerminated, Task.Delay(Timeout.Infinite, stoppingToken));
            var reason = CoordinatedShutdown.Get(system).ShutdownReason;
            return reason is null ? "stopped" : reason.GetType().Name.Replace("Reason", "", StringComparison.Ordinal);
        }
        finally
        {
            _current = null;
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await host.StopAsync(grace.Token);
        }
    }
}

/// <summary>An incarnation's host lifetime: no signal handlers of its own.</summary>
internal sealed class IncarnationLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

public static class ActorSystemIncarnationsHosting
{
    /// <summary>
    /// The process's ActorSystem as incarnations (see <see cref="ActorSystemIncarnations"/>): <paramref name="configure"/>
    /// fills one incarnation's services (typically <c>AddOakestraCluster</c>) and may take singletons from the
    /// process's own services, which outlive every incarnation.
    /// </summary>
    public static IServiceCollection AddActorSystemIncarnations(
        this IServiceCollection services, Action<IServiceCollection, IServiceProvider> configure, IncarnationOptions? options = null)
    {
        services.AddSingleton(sp => new ActorSystemIncarnations(configure, sp, options ?? new IncarnationOptions(),
            sp.GetRequiredService<ILogger<ActorSystemIncarnations>>()));
        services.AddHostedService(sp => sp.GetRequiredService<ActorSystemIncarnations>());
        return services;
    }
}
