using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Oakestra.Actors.ClusterOrchestrator.Hosting;
using Oakestra.Actors.Contracts.Hosting;
using Oakestra.Actors.Nodes.Tests.Fakes;
using Oakestra.Actors.Root;
using Oakestra.Actors.Root.Api;
using Oakestra.Actors.Root.Entities;
using Oakestra.Actors.Root.Entities.Directory;
using Oakestra.Actors.WorkerNode.Hosting;
using Oakestra.Actors.WorkerNode.Ports;

namespace Oakestra.Actors.Nodes.Tests.Tiers;

/// <summary>A worker process of the lab: the real worker hosting over a fake instance host and a recording data plane.</summary>
public sealed record LabWorker(string Site, string Node, IHost Host, FakeInstanceHost Instances, RecordingDataPlane DataPlane);

/// <summary>
/// The whole control plane in one test process, in its real failure domains: the real root (RootHost: API,
/// entities, pools, SQLite journal) as a root tier of its own, and per site the real orchestrator and worker
/// processes (their hosting, as Program.cs runs them) in a cluster of their own, linked by ClusterClient.
/// Only instances and packets are fakes. Ports are free loopback ports; every process is torn down at the end.
/// </summary>
public sealed class ControlPlaneLab : IAsyncDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "oak-cplab-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly List<IHost> _hosts = new();
    private readonly Dictionary<string, int> _sitePorts = new();
    private readonly Dictionary<string, List<IHost>> _siteHosts = new();
    private WebApplication? _root;

    public int RootPort { get; } = FreePort();
    public IControlPlane ControlPlane => _root!.Services.GetRequiredService<IControlPlane>();
    public RootRefs Refs => _root!.Services.GetRequiredService<RootRefs>();
    public ActorSystem RootSystem => _root!.Services.GetRequiredService<ActorSystem>();
    public List<LabWorker> Workers { get; } = new();

    /// <summary>Extra keys for every site process (e.g. the test switch that drops messages).</summary>
    public Dictionary<string, string?> SiteSettings { get; } = new()
    {
        ["Oak:Site:DigestSeconds"] = "1",
        ["Oak:Site:WorkerGraceSeconds"] = "5",
    };

    /// <summary>Polls <paramref name="done"/> every 250 ms; fails naming <paramref name="what"/> past <paramref name="within"/>.</summary>
    public static async Task WaitAsync(TimeSpan within, Func<Task<bool>> done, string what)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await done())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"not within {within.TotalSeconds:0} s: {what}");
            await Task.Delay(250);
        }
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async Task StartRootAsync(params string[] extra)
    {
        string[] args =
        [
            "--urls", $"http://127.0.0.1:{FreePort()}",
            $"--Oak:Store:DataDir={_dataDir}",
            "--Oak:Akka:Hostname=127.0.0.1",
            "--Oak:Remoting:Tls=off",
            $"--Oak:Akka:Port={RootPort}",
            "--Oak:Root:MigrationDrainSeconds=1",
            "--Oak:Root:AskTimeoutSeconds=20",
            "--Oak:Root:DigestSettleSeconds=3",
            .. extra,
        ];
        _root = RootHost.Build(args,
            builder =>
            {
                builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Warning).AddFilter("Oakestra", Level);
                if (Environment.GetEnvironmentVariable("OAK_TEST_LOG") == "1") builder.Logging.AddSimpleConsole(o => o.TimestampFormat = "HH:mm:ss.fff ");
            },
            akka => akka.AddHocon("akka.coordinated-shutdown.exit-clr = off", HoconAddMode.Prepend));
        await _root.StartAsync();
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Cluster.Get(_root.Services.GetRequiredService<ActorSystem>()).RegisterOnMemberUp(() => up.TrySetResult());
        await up.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await Refs.Directory.Ask<ServiceIds>(new ListServiceIds(), TimeSpan.FromSeconds(60));
    }

    public async Task StopRootAsync()
    {
        if (_root is null) return;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _root.StopAsync(cts.Token);
        await _root.DisposeAsync();
        _root = null;
        SqliteConnection.ClearAllPools();
    }

    /// <summary>OAK_TEST_LOG=1 shows the Oakestra loggers at Information.</summary>
    private static LogLevel Level => Environment.GetEnvironmentVariable("OAK_TEST_LOG") == "1" ? LogLevel.Information : LogLevel.Warning;

    private Dictionary<string, string?> SiteConfig(string site, int port) => new(SiteSettings)
    {
        ["Oak:Akka:Hostname"] = "127.0.0.1",
        ["Oak:Remoting:Tls"] = "off",
        ["Oak:Akka:Port"] = port.ToString(),
        ["Oak:Akka:Seeds"] = $"127.0.0.1:{_sitePorts[site]}",
        ["Oak:Site:Name"] = site,
        ["Oak:Root:Contacts"] = $"127.0.0.1:{RootPort}",
    };

    private IHost Start(string site, Dictionary<string, string?> config, Action<IServiceCollection, IConfiguration> add)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(config);
        builder.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Oakestra", Level);
        if (Environment.GetEnvironmentVariable("OAK_TEST_LOG") == "1") builder.Logging.AddSimpleConsole(o => o.TimestampFormat = "HH:mm:ss.fff ");
        add(builder.Services, builder.Configuration);
        var host = builder.Build();
        _hosts.Add(host);
        (_siteHosts.TryGetValue(site, out var hosts) ? hosts : _siteHosts[site] = new()).Add(host);
        host.Start();
        return host;
    }

    public IHost StartSite(string site)
    {
        var port = _sitePorts.TryGetValue(site, out var known) ? known : _sitePorts[site] = FreePort();
        return Start(site, SiteConfig(site, port), (s, c) => s.AddSingleton(LabTunnelNames.Lookup).AddOrchestrator(c));
    }

    /// <summary>Every process of the site ends at once (a site cut off, or a power cut); what they ran stays in their fakes.</summary>
    public async Task StopSiteAsync(string site)
    {
        foreach (var h in _siteHosts[site])
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try { await h.StopAsync(cts.Token); } catch (OperationCanceledException) { }
            h.Dispose();
            _hosts.Remove(h);
        }
        _siteHosts[site].Clear();
        Workers.RemoveAll(w => w.Site == site);
    }

    /// <summary>A worker process; <paramref name="restartOf"/>: the same node started again over what it ran before.</summary>
    public LabWorker StartWorker(string site, string node, LabWorker? restartOf = null, string? tunnelEndpoint = null)
    {
        var instances = restartOf?.Instances ?? new FakeInstanceHost();
        var dataPlane = restartOf?.DataPlane ?? new RecordingDataPlane();
        var host = Start(site, new(SiteConfig(site, 0)) { ["Oak:Node:Name"] = node, ["Oak:Node:TunnelEndpoint"] = tunnelEndpoint ?? $"{node}.lab:50103" }, (services, configuration) =>
        {
            services.AddSingleton<IInstanceHost>(instances);
            services.AddSingleton<IDataPlane>(dataPlane);
            services.AddWorkerNode(configuration);
        });
        var worker = new LabWorker(site, node, host, instances, dataPlane);
        Workers.Add(worker);
        return worker;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var h in Enumerable.Reverse(_hosts))
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                await h.StopAsync(cts.Token);
            }
            catch (Exception) { }
            h.Dispose();
        }
        await StopRootAsync();
        try { Directory.Delete(_dataDir, recursive: true); } catch (IOException) { }
    }
}
