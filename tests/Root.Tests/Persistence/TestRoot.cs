using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Oakestra.Actors.Contracts.Hosting;
using Oakestra.Actors.Root.Persistence;
using Oakestra.Actors.Root.Pools;

namespace Oakestra.Actors.Root.Tests.Persistence;

/// <summary>
/// A root process in the test: a one-member cluster (its own seed) with the real hosting extension,
/// SQL persistence on a temp directory (or PostgreSQL) and the pools. Restart = dispose and start
/// again on the same <see cref="DataDir"/>.
/// </summary>
public sealed class TestRoot : IAsyncDisposable
{
    private TestRoot(IHost host, string dataDir, ManualClock clock)
    {
        Host = host;
        DataDir = dataDir;
        Clock = clock;
        System = host.Services.GetRequiredService<ActorSystem>();
        Pools = host.Services.GetRequiredService<AddressPools>();
    }

    public IHost Host { get; }
    public ActorSystem System { get; }
    public AddressPools Pools { get; }
    public ManualClock Clock { get; }
    public string DataDir { get; }

    /// <summary>This member's address, e.g. akka.tcp://oakestra-root@127.0.0.1:40001 (a seed for another TestRoot).</summary>
    public Address Address => Cluster.Get(System).SelfAddress;

    public static string NewDataDir() => Directory.CreateTempSubdirectory("oak-root-test-").FullName;

    public static async Task<TestRoot> StartAsync(
        string? dataDir = null,
        ManualClock? clock = null,
        PoolCatalog? catalog = null,
        IDictionary<string, string?>? settings = null,
        Action<AkkaConfigurationBuilder, IServiceProvider>? more = null,
        string role = OakestraRoles.Root,
        string? seeds = null)
    {
        dataDir ??= NewDataDir();
        clock ??= new ManualClock();
        var port = FreePort();
        var values = new Dictionary<string, string?>
        {
            ["Oak:Akka:Hostname"] = "127.0.0.1",
            ["Oak:Remoting:Tls"] = "off",
            ["Oak:Akka:Port"] = port.ToString(),
            ["Oak:Akka:Seeds"] = seeds ?? $"127.0.0.1:{port}",
            ["Oak:Store:DataDir"] = dataDir,
            // Many systems start at once on 2 shared cores: be patient rather than flaky.
            ["Oak:Pools:AskTimeoutSeconds"] = "45",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) values[k] = v;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();

        var host = new HostBuilder()
            .ConfigureLogging(l =>
            {
                l.ClearProviders().SetMinimumLevel(LogLevel.Warning);
                // OAK_TEST_LOG=1 shows the actor systems' logs when a test needs debugging.
                if (Environment.GetEnvironmentVariable("OAK_TEST_LOG") == "1") l.AddSimpleConsole(o => o.TimestampFormat = "HH:mm:ss.fff ").SetMinimumLevel(LogLevel.Information);
            })
            .ConfigureServices(services =>
            {
                services.AddSingleton<TimeProvider>(clock);
                if (catalog is not null) services.AddSingleton(catalog);
                services.AddAddressPools(configuration);
                services.AddOakestraCluster(configuration, role, role == OakestraRoles.Root ? null : "site1", (akka, sp) =>
                {
                    akka.AddHocon("akka.test.timefactor = 3\nakka.coordinated-shutdown.exit-clr = off", HoconAddMode.Prepend);
                    if (role == OakestraRoles.Root)
                        akka.WithOakestraPersistence(configuration).WithAddressPools(sp);
                    more?.Invoke(akka, sp);
                });
            })
            .Build();
        await host.StartAsync();
        var root = new TestRoot(host, dataDir, clock);
        await root.WaitUpAsync();
        if (role == OakestraRoles.Root)
        {
            // Every pool recovered before the test starts its clock-sensitive steps.
            foreach (var pool in root.Pools.Catalog.All)
            {
                var ready = await root.Pools.PreviewAsync(pool.Name, 0);
                if (!ready.Ok) throw new InvalidOperationException($"pool {pool.Name} did not start: {ready.Error}");
            }
        }
        return root;
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Host.StopAsync(cts.Token);
        Host.Dispose();
        SqliteConnection.ClearAllPools();
    }

    /// <summary>Deletes a data directory once no host uses it any more.</summary>
    public static void DeleteDataDir(string dataDir)
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(dataDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private async Task WaitUpAsync()
    {
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Cluster.Get(System).RegisterOnMemberUp(() => up.TrySetResult());
        await up.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
