using System.Text.Json;
using Oakestra.Actors.Cli.Lab;
using Oakestra.Actors.Tests.Shared;

namespace Oakestra.Actors.EndToEnd.Tests.Lab.Live;

[CollectionDefinition(Name)]
public sealed class LiveLabCollection : ICollectionFixture<LiveLabFixture>
{
    public const string Name = "live lab";
}

/// <summary>
/// The real lab (`./oak lab up --demo`: root, orchestrator, three workers on one site, the demo SLA) once for
/// the whole collection, and `./oak lab down` at the end, also when `up` failed half-way.
/// Its names come from OAK_LAB_PREFIX, OAK_LAB_BRIDGE and OAK_LAB_SUBNET as the CLI's do (the CLI it runs
/// inherits them), so a second lab can run beside a real one: `OAK_LAB_PREFIX=oakb- OAK_LAB_BRIDGE=oakb0
/// OAK_LAB_SUBNET=10.99.40 dotnet test …`; unset, the lab's defaults (oaklab-, oaklab0, 10.99.0).
/// </summary>
public sealed class LiveLabFixture : IAsyncLifetime
{
    public const string Service = "demo.lab.demo.lab";
    public const string Client = "demo.lab.client.lab.0";
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
    public string ClientNamespace { get; private set; } = "";
    public string ClientIpv4 { get; private set; } = "";
    public string ClientIpv6 { get; private set; } = "";
    public string ClientNode { get; private set; } = "";

    public async Task InitializeAsync()
    {
        // Outside root/CI the tests skip themselves; do not try to build a lab then.
        try { Requires.RootWithNetns(); }
        catch (Exception) { Skipped = true; return; }

        string[] programs = ["Root", "ClusterOrchestrator", "WorkerNode", "DemoApp"];
        var built = programs.All(p => File.Exists(Path.Combine(Repo, $"src/{p}/bin/Release/net10.0/Oakestra.Actors.{p}.dll")));
        await Oak(TimeSpan.FromSeconds(30), "lab", "down"); // a lab left over by an aborted run
        var up = await Oak(TimeSpan.FromMinutes(12), built ? ["lab", "up", "--demo", "--no-build"] : ["lab", "up", "--demo"]);
        if (up.ExitCode != 0) { Broken = $"`oak lab up --demo` failed: {up}"; return; }
        try
        {
            // The lab must carry this run's names, or a lab beside it would have been touched.
            using var status = JsonDocument.Parse((await OakOk("lab", "status", "--json")).Out);
            var (prefix, bridge) = (status.RootElement.GetProperty("prefix").GetString(), status.RootElement.GetProperty("bridge").GetString());
            var roots = status.RootElement.GetProperty("root_urls").EnumerateArray().Select(u => u.GetString()!).ToList();
            if (prefix != Prefix || bridge != Bridge || !roots.All(u => u.StartsWith($"http://{Subnet}.", StringComparison.Ordinal)))
            {
                Broken = $"the lab came up as {prefix}/{bridge}/{string.Join(",", roots)}, not {Prefix}/{Bridge}/{Subnet}.x";
                return;
            }
            using var client = JsonDocument.Parse((await OakOk("--json", "service", "demo.lab.client.lab")).Out);
            var inst = client.RootElement.GetProperty("instances")[0];
            ClientIpv4 = inst.GetProperty("instance_ipv4").GetString()!;
            ClientIpv6 = inst.GetProperty("instance_ipv6").GetString()!;
            ClientNode = inst.GetProperty("placement").GetProperty("node").GetString()!;
            ClientNamespace = (await OakOk("exec", Client, "--", "ip", "netns", "identify")).Out.Trim();
        }
        catch (Exception e) { Broken = $"the lab came up but the client instance is not usable: {e.Message}"; }
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

    public Task<Proc.Result> Oak(TimeSpan timeout, params string[] args) => Proc.RunAsync(Repo, timeout, Path.Combine(Repo, "oak"), args);

    public async Task<Proc.Result> OakOk(params string[] args)
    {
        var r = await Oak(Short, args);
        Assert.True(r.ExitCode == 0, $"oak {string.Join(' ', args)}: {r}");
        return r;
    }

    /// <summary>A program run inside the client instance's network namespace.</summary>
    public Task<Proc.Result> InClient(TimeSpan timeout, params string[] command) =>
        Proc.RunAsync(Repo, timeout, "ip", ["netns", "exec", ClientNamespace, .. command]);

    public Task<Proc.Result> Demo(params string[] args) => InClient(Short, ["dotnet", DemoDll, .. args, "--timeout", "10"]);

    public async Task<ServiceView> ServiceAsync(string id = Service) =>
        ServiceView.Parse((await OakOk("--json", "service", id)).Out);

    private static string Env(string name, string fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : fallback;

    private static string FindRepo()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Oakestra.Actors.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no Oakestra.Actors.sln above {AppContext.BaseDirectory}");
    }
}
