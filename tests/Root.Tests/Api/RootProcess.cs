using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Oakestra.Actors.Root.Api;
using Oakestra.Actors.Root.Api.Trust;
using Oakestra.Actors.Root.Entities;
using Oakestra.Actors.Root.Entities.Directory;
using Oakestra.Actors.Root.Tests.Persistence;

namespace Oakestra.Actors.Root.Tests.Api;

/// <summary>
/// The real root (RootHost: HTTP API, one-member cluster, SQLite journal, pools, entities) started in
/// the test process on free ports. Restart = dispose and start again on the same <see cref="DataDir"/>.
/// </summary>
public sealed class RootProcess : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly bool _ownsDataDir;

    private readonly RootTls? _tls;

    private RootProcess(WebApplication app, string dataDir, bool ownsDataDir, ManualClock clock, int httpPort, RootTls? tls)
    {
        _tls = tls;
        _app = app;
        _ownsDataDir = ownsDataDir;
        DataDir = dataDir;
        Clock = clock;
        System = app.Services.GetRequiredService<ActorSystem>();
        Refs = app.Services.GetRequiredService<RootRefs>();
        ControlPlane = app.Services.GetRequiredService<IControlPlane>();
        Token = app.Services.GetRequiredService<ApiToken>();
        BaseAddress = new Uri($"{(tls is null ? "http" : "https")}://127.0.0.1:{httpPort}");
        // Every test talks to the API as a client that has the token; TrustTests use Anonymous() for one that has not.
        Http = Anonymous();
        Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token.Value);
    }

    /// <summary>The web host's services (its endpoints, its options), as the running root has them.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The token this root accepts (made at its first start in <see cref="DataDir"/> unless configured).</summary>
    public ApiToken Token { get; }
    public Uri BaseAddress { get; }

    /// <summary>A client of this root without a token.</summary>
    public HttpClient Anonymous() => new(_tls is null ? new HttpClientHandler() : _tls.Handler()) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    public ActorSystem System { get; }
    public RootRefs Refs { get; }
    public IControlPlane ControlPlane { get; }
    public HttpClient Http { get; }
    public ManualClock Clock { get; }
    public string DataDir { get; }

    /// <summary>What an orchestrator talks to: /user/root.</summary>
    public ActorSelection Gateway => System.ActorSelection($"/user/{RootGateway.Name}");

    public static Task<RootProcess> StartAsync(string? dataDir = null, ManualClock? clock = null, params string[] extra) =>
        StartAsync(dataDir, clock, null, extra);

    /// <summary>With <paramref name="tls"/>: the API on https with that certificate, the clients trusting its CA only.</summary>
    public static async Task<RootProcess> StartAsync(string? dataDir, ManualClock? clock, RootTls? tls, params string[] extra)
    {
        var owns = dataDir is null;
        dataDir ??= TestRoot.NewDataDir();
        clock ??= new ManualClock();
        var httpPort = TestRoot.FreePort();
        var akkaPort = TestRoot.FreePort();
        string[] args =
        [
            "--urls", $"{(tls is null ? "http" : "https")}://127.0.0.1:{httpPort}",
            .. (tls is null ? Array.Empty<string>() : new[] { $"--Oak:Api:Certificate:Path={tls.CertificatePath}", $"--Oak:Api:Certificate:KeyPath={tls.KeyPath}" }),
            $"--Oak:Store:DataDir={dataDir}",
            "--Oak:Akka:Hostname=127.0.0.1",
            // In-process members of one test trust each other; mutual TLS has its own tests (RemotingTlsTests).
            "--Oak:Remoting:Tls=off",
            $"--Oak:Akka:Port={akkaPort}",
            $"--Oak:Akka:Seeds=127.0.0.1:{akkaPort}",
            "--Oak:Root:MigrationDrainSeconds=1",
            "--Oak:Root:AskTimeoutSeconds=20",
            .. extra,
        ];
        var app = RootHost.Build(args,
            builder =>
            {
                builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Warning);
                builder.Services.AddSingleton<TimeProvider>(clock);
            },
            akka => akka.AddHocon("akka.test.timefactor = 3\nakka.coordinated-shutdown.exit-clr = off", HoconAddMode.Prepend)
                .AddHocon(Akka.TestKit.Xunit2.TestKit.DefaultConfig, HoconAddMode.Append));
        await app.StartAsync();
        var root = new RootProcess(app, dataDir, owns, clock, httpPort, tls);
        await root.WaitReadyAsync();
        return root;
    }

    private async Task WaitReadyAsync()
    {
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Cluster.Get(System).RegisterOnMemberUp(() => up.TrySetResult());
        await up.Task.WaitAsync(TimeSpan.FromSeconds(60));
        // The first ask also waits for the shard coordinators to start.
        await Refs.Directory.Ask<ServiceIds>(new ListServiceIds(), TimeSpan.FromSeconds(60));
    }

    public Task<HttpResponseMessage> PostJson(string path, string json) =>
        Http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    public async Task<JsonElement> Json(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _app.StopAsync(cts.Token);
        await _app.DisposeAsync();
        SqliteConnection.ClearAllPools();
        if (_ownsDataDir) TestRoot.DeleteDataDir(DataDir);
    }
}

/// <summary>The root tests start whole roots: one at a time keeps them within the machine's two cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RootProcessCollection
{
    public const string Name = "root process";
}

/// <summary>A root's server certificate (PEM files) and the CA that signed it, which its test clients trust alone.</summary>
public sealed record RootTls(string CertificatePath, string KeyPath, System.Security.Cryptography.X509Certificates.X509Certificate2 Ca)
{
    public HttpClientHandler Handler() => new()
    {
        ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
        {
            if (certificate is null || (errors & System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
            using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
            chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(Ca);
            chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
            return chain.Build(certificate);
        },
    };
}
