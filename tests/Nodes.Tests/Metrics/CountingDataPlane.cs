using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Oakestra.Actors.Contracts.Hosting.Metrics;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.WorkerNode.Hosting;
using Oakestra.Actors.WorkerNode.Ports;

namespace Oakestra.Actors.Nodes.Tests.Metrics;

/// <summary>A data plane whose counters the test sets, as the forwarding one reports them (`oak table`'s names).</summary>
public sealed class CountingDataPlane : IDataPlane
{
    public volatile NodeCounters Current = NodeCounters.None("forwarding");
    public Dictionary<string, TimeSpan> Rtts { get; } = new();

    public void Set(long flows, IReadOnlyDictionary<string, long> all, IReadOnlyDictionary<string, long> drops) =>
        Current = NodeCounters.None("forwarding") with { FlowsActive = flows, All = all, Drops = drops };

    public void Publish(DataPlaneTable table) { }
    public IReadOnlyList<RouteKey> DrainMisses() => [];
    public IReadOnlyList<RouteKey> ReadUsage() => [];
    public DataPlaneCounters Counters => default;
    public NodeCounters ReadCounters() => Current;
    public IReadOnlyDictionary<string, TimeSpan> PeerRtts => Rtts;

    /// <summary>What the real data plane says when its TUN or loop is gone (null: forwarding).</summary>
    public volatile string? Problem;
    public string? ForwardingProblem => Problem;
}

/// <summary>What a worker process registers for its metrics and health endpoint (AddWorkerNode's part of it), over a test data plane.</summary>
public static class WorkerProcess
{
    public static Dictionary<string, string?> Listening => new() { [OakMetrics.UrlsKey] = "http://127.0.0.1:0" };

    public static ServiceProvider Build(Dictionary<string, string?> config, WatchedDataPlane watched)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(config).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(watched);
        services.AddSingleton<IMetricsSource>(sp => new DataPlaneMetrics(watched, sp.GetRequiredService<IMeterFactory>()));
        services.AddMetricsEndpoint(configuration, "worker");
        services.AddHealthChecks().AddWorkerChecks();
        return services.BuildServiceProvider();
    }

    /// <summary>The process with its endpoint listening on a free port, and a client of it.</summary>
    public static async Task<Running> StartAsync(WatchedDataPlane watched)
    {
        var process = Build(Listening, watched);
        var endpoint = process.GetRequiredService<MetricsEndpoint>();
        await endpoint.StartAsync(CancellationToken.None);
        return new Running(process, endpoint, new HttpClient { BaseAddress = new Uri(endpoint.Addresses[0]) });
    }

    public sealed record Running(ServiceProvider Process, MetricsEndpoint Endpoint, HttpClient Http) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await Endpoint.StopAsync(CancellationToken.None);
            await Process.DisposeAsync();
        }
    }
}

/// <summary>
/// The tests that create data-plane instruments run one at a time: an exporter reads every meter of its name in the
/// process (one worker per process in production), so two test workers' instruments at once would mix.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "metrics instruments";
}
