using System.Text.Json;
using Oakestra.Actors.Cli.Lab;
using Oakestra.Actors.Tests.Shared;

namespace Oakestra.Actors.EndToEnd.Tests.Lab.Live;

/// <summary>
/// A real lab (`./oak lab up …`) once for a test collection, and `./oak lab down` at the end, also when `up`
/// failed half-way. Its names come from OAK_LAB_PREFIX, OAK_LAB_BRIDGE and OAK_LAB_SUBNET as the CLI's do (the
/// CLI it runs inherits them), so a second lab can run beside a real one: `OAK_LAB_PREFIX=oakb- OAK_LAB_BRIDGE=oakb0
/// OAK_LAB_SUBNET=10.99.40 dotnet test …`; unset, the lab's defaults (oaklab-, oaklab0, 10.99.0). Labs of one
/// checkout share its .lab/ directory and names: their collections must not run in parallel.
/// </summary>
public abstract class LabFixture : IAsyncLifetime
{
    public static readonly TimeSpan Short = TimeSpan.FromSeconds(60);

    public string Repo { get; } = FindRepo();
    /// <summary>Every namespace of this lab (its processes' and its instances') starts with it.</summary>
    public string Prefix { get; } = Env("OAK_LAB_PREFIX", LabLayout.LabPrefix);
    public string Bridge { get; } = Env("OAK_LAB_BRIDGE", LabLayout.LabBridge);
    public string Subnet { get; } = Env("OAK_LAB_SUBNET", LabLayout.LabSubnet);
    public string DemoDll => Path.Combine(Repo, "src/DemoApp/bin/Release/net10.0/Oakestra.Actors.DemoApp.dll");

    /// <summary>Why the lab is not usable (null when it is up); tests fail with it.</summary>
    public string? Broken { get; private set; }
    public bool Skipped { get; private set; }

    /// <summary>What follows `lab up` (e.g. `--demo`, `--roots 2`).</summary>
    protected abstract string[] UpArguments { get; }

    /// <summary>Runs once the lab is up under this run's names; an exception makes the lab <see cref="Broken"/>.</summary>
    protected virtual Task AfterUpAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        // Outside root/CI the tests skip themselves; do not try to build a lab then.
        try { Requires.RootWithNetns(); }
        catch (Exception) { Skipped = true; return; }

        string[] programs = ["Root", "ClusterOrchestrator", "WorkerNode", "DemoApp"];
        var built = programs.All(p => File.Exists(Path.Combine(Repo, $"src/{p}/bin/Release/net10.0/Oakestra.Actors.{p}.dll")));
        await Oak(TimeSpan.FromSeconds(30), "lab", "down"); // a lab left over by an aborted run
        string[] up = ["lab", "up", .. UpArguments, .. built ? new[] { "--no-build" } : []];
        var r = await Oak(TimeSpan.FromMinutes(12), up);
        if (r.ExitCode != 0) { Broken = $"`oak {string.Join(' ', up)}` failed: {r}"; return; }
        try
        {
            // The lab must carry this run's names, or a lab beside it would have been touched.
            using var status = JsonDocument.Parse((await OakOk("lab", "status", "--json")).Out);
            var (prefix, bridge) = (status.RootElement.GetProperty("prefix").GetString(), status.RootElement.GetProperty("bridge").GetString());
            var roots = status.RootElement.GetProperty("root_urls").EnumerateArray().Select(u => u.GetString()!).ToList();
            if (prefix != Prefix || bridge != Bridge || !roots.All(u => u.StartsWith($"https://{Subnet}.", StringComparison.Ordinal)))
            {
                Broken = $"the lab came up as {prefix}/{bridge}/{string.Join(",", roots)}, not {Prefix}/{Bridge}/{Subnet}.x";
                return;
            }
            await AfterUpAsync();
        }
        catch (Exception e) { Broken = $"the lab came up but is not usable: {e.Message}"; }
    }

    public async Task DisposeAsync()
    {
        if (!Skipped) await Oak(TimeSpan.FromMinutes(2), "lab", "down");
    }

    public void RequireUp()
    {
        Requires.RootWithNetns();
        if (Broken is not null) Assert.Fail(Broken);
    }

    /// <summary>
    /// The CLI's own client for one of the lab's roots, with the lab's token and CA, inside this process (for timings that
    /// an `oak` process per call would blur).
    /// </summary>
    public Oakestra.Actors.Cli.Api.RootClient ApiClient(string url, TimeSpan timeout)
    {
        var paths = new LabPaths(Repo);
        var ca = Oakestra.Actors.Cli.Api.RootCredentials.LoadCa(paths.TlsCa, paths.TlsCa);
        var credentials = new Oakestra.Actors.Cli.Api.RootCredentials(File.ReadAllText(paths.ApiToken).Trim(), paths.ApiToken, [paths.ApiToken], ca, paths.TlsCa);
        return new Oakestra.Actors.Cli.Api.RootClient(new Uri(url), timeout, credentials);
    }

    public Task<Proc.Result> Oak(TimeSpan timeout, params string[] args) => Proc.RunAsync(Repo, timeout, Path.Combine(Repo, "oak"), args);

    public async Task<Proc.Result> OakOk(params string[] args)
    {
        var r = await Oak(Short, args);
        Assert.True(r.ExitCode == 0, $"oak {string.Join(' ', args)}: {r}");
        return r;
    }

    private static string Env(string name, string fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : fallback;

    private static string FindRepo()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Oakestra.Actors.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no Oakestra.Actors.sln above {AppContext.BaseDirectory}");
    }
}
