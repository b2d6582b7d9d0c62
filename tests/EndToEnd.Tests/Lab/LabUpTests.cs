using Oakestra.Actors.Cli;
using Oakestra.Actors.Cli.Api;
using Oakestra.Actors.Cli.Lab;
using Oakestra.Actors.EndToEnd.Tests.Support;
using Oakestra.Actors.Tests.Shared;

namespace Oakestra.Actors.EndToEnd.Tests.Lab;

/// <summary>
/// `lab up` end to end with stand-in programs: the "root" is socat in the root namespace forwarding its API
/// port to a fake root in this test (over the lab bridge), orchestrator and workers are sleeps. Checks the
/// waiting for registration, the printed nodes, the state file, and that `lab down` stops them all.
/// </summary>
[Collection("lab fabric")]
public class LabUpTests
{
    private const string Prefix = "oakt-lab-";
    private const string Bridge = "oakt-lab0";
    private const string Subnet = "10.99.251";

    private static string NodeJson(string name, int n) =>
        $$"""{"cluster":"site1","node":"{{name}}","subnet_v4":"10.18.0.{{(n - 1) * 64}}/26","subnet_v6":"fc00::{{n - 1}}00/120","status":"Ready","instances":0,"latitude":48.1,"longitude":11.5,"tunnel_endpoint":"{{Subnet}}.{{n + 2}}:50103"}""";

    private static LabPrograms StandIns(FakeRoot api) => new(
        (l, r) => ["socat", $"TCP-LISTEN:{LabLayout.ApiPort},bind={r.Ipv4},fork,reuseaddr", $"TCP:{l.HostAddress}:{api.Port}"],
        (_, _) => ["sleep", "300"],
        (_, _) => ["sleep", "300"]);

    [SkippableFact]
    public async Task Up_waits_until_every_worker_is_registered_prints_the_nodes_and_down_stops_everything()
    {
        Requires.RootWithNetns();
        Skip.IfNot(File.Exists("/usr/bin/socat"), "socat is not installed (.ci/install-prerequisites installs it)");
        using var api = new FakeRoot("*")
            .On("GET", "/api/v1/health", 200, """{"status":"ok","role":"root"}""")
            .On("GET", "/api/v1/nodes", 200, $"[{NodeJson("w1", 1)}]");
        using var oak = new Oak();
        var output = new StringWriter();
        var ctx = new CliContext(output, output, _ => null, oak.RepoRoot);
        var paths = new LabPaths(oak.RepoRoot);
        var layout = LabLayout.Create(2, 1, Prefix, Bridge, Subnet);
        try
        {
            // w2 registers a few seconds after w1: up must keep waiting for it.
            _ = Task.Delay(3000).ContinueWith(_ => api.On("GET", "/api/v1/nodes", 200, $"[{NodeJson("w1", 1)},{NodeJson("w2", 2)}]"));
            var state = await new LabRunner(ctx, paths, StandIns(api)).UpAsync(layout, build: true, TimeSpan.FromSeconds(30), default);

            Assert.Equal(["root", "o1", "w1", "w2"], state.Processes.Select(p => p.Name));
            Assert.All(state.Processes, p => Assert.True(LabProcesses.Alive(p.Pid), $"{p.Name} is not running"));
            Assert.Equal(state.Processes.Select(p => p.Pid), LabState.Load(paths)!.Processes.Select(p => p.Pid));
            Assert.Contains($"{Prefix}w2", state.Processes.Select(p => p.Namespace));
            Assert.Contains(output.ToString().Split('\n'), l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["site1", "w2", "Ready", "10.18.0.64/26", ..]);
            Assert.Equal($"http://{Subnet}.1:10000", paths.ReadEnv()["OAK_ROOT"]);
            Assert.Equal(Prefix, paths.ReadEnv()["OAK_NETNS_PREFIX"]);

            // The CLI now finds the root through .lab/env, across the bridge.
            var nodes = await oak.RunAsync("nodes");
            Assert.Equal(0, nodes.ExitCode);
            Assert.Contains("w2", nodes.Out);

            Assert.True(new LabRunner(ctx, paths).Down());
            Assert.All(state.Processes, p => Assert.False(LabProcesses.Alive(p.Pid), $"{p.Name} survived lab down"));
            Assert.Empty(LabFabric.Namespaces(Prefix));
            Assert.False(LabFabric.LinkExists(Bridge));
        }
        finally
        {
            foreach (var ns in LabFabric.Namespaces(Prefix)) LabProcesses.Stop(LabFabric.Pids(ns), TimeSpan.FromSeconds(1));
            LabFabric.Remove(Prefix, Bridge);
        }
    }

    [SkippableFact]
    public async Task A_worker_that_never_registers_times_out_naming_it_and_a_log()
    {
        Requires.RootWithNetns();
        Skip.IfNot(File.Exists("/usr/bin/socat"), "socat is not installed (.ci/install-prerequisites installs it)");
        using var api = new FakeRoot("*")
            .On("GET", "/api/v1/health", 200, """{"status":"ok","role":"root"}""")
            .On("GET", "/api/v1/nodes", 200, $"[{NodeJson("w1", 1)}]");
        using var oak = new Oak();
        var ctx = new CliContext(TextWriter.Null, TextWriter.Null, _ => null, oak.RepoRoot);
        var paths = new LabPaths(oak.RepoRoot);
        try
        {
            var e = await Assert.ThrowsAsync<CliFailure>(() =>
                new LabRunner(ctx, paths, StandIns(api)).UpAsync(LabLayout.Create(2, 1, Prefix, Bridge, Subnet), build: false, TimeSpan.FromSeconds(4), default));
            Assert.Equal("timed out after 4s waiting for every worker to register (not registered yet: w2); see .lab/logs/w2.log, `oak lab down` cleans up", e.Message);
            // The state survives the failure so that `lab down` can clean up.
            Assert.Equal(4, LabState.Load(paths)!.Processes.Count);
        }
        finally
        {
            new LabRunner(ctx, paths).Down();
            LabFabric.Remove(Prefix, Bridge);
        }
        Assert.Empty(LabFabric.Namespaces(Prefix));
    }
}
