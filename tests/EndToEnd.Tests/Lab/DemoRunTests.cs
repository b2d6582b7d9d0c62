using Oakestra.Actors.Cli;
using Oakestra.Actors.Cli.Api;
using Oakestra.Actors.Cli.Lab;
using Oakestra.Actors.EndToEnd.Tests.Support;
using Oakestra.Actors.Tests.Shared;

namespace Oakestra.Actors.EndToEnd.Tests.Lab;

/// <summary>
/// The `--demo` walk-through's plumbing with a fake root and no proxy: three demo servers in w1..w3's
/// namespaces, the "Service IPs" point straight at them, the client namespace is named by the convention.
/// Checks deploy → wait for Running → four requests from inside the client namespace → the answers table.
/// </summary>
[Collection("lab fabric")]
public class DemoRunTests
{
    private const string Prefix = "oakt-lab-";
    private const string Subnet = "10.99.252";

    [SkippableFact]
    public async Task Demo_deploys_waits_for_running_and_reports_who_answered_each_envelope_from_the_client_namespace()
    {
        Requires.RootWithNetns();
        var layout = LabLayout.Create(3, 1, Prefix, "oakt-lab0", Subnet);
        var demoDll = Path.Combine(AppContext.BaseDirectory, "Oakestra.Actors.DemoApp.dll");
        using var oak = new Oak();
        Directory.CreateDirectory(Path.Combine(oak.RepoRoot, "lab"));
        File.Copy(Path.Combine(RepoLocator.Find(_ => null)!, DemoRun.SlaTemplate), Path.Combine(oak.RepoRoot, DemoRun.SlaTemplate));
        var paths = new LabPaths(oak.RepoRoot);
        Directory.CreateDirectory(paths.Dir);

        string W(int n) => $"{Subnet}.{n + 2}"; // w1 = .3, w2 = .4, w3 = .5
        var demo = Canned.Service(Canned.DemoId, rr4: W(2), closest4: W(1),
            Canned.Instance(Canned.DemoId, 0, "Running", "w1", "10.30.0.3"),
            Canned.Instance(Canned.DemoId, 1, "Running", "w2", "10.30.0.4"),
            Canned.Instance(Canned.DemoId, 2, "Running", "w3", W(3)));
        var client = Canned.Service(Canned.ClientId, "10.30.0.9", "10.30.0.8", Canned.Instance(Canned.ClientId, 0, "Running", "w1", "10.30.0.10", "10.18.0.2"));
        using var root = new FakeRoot()
            .On("POST", "/api/v1/applications", 201, $$"""{"services":[{{client}},{{demo}}]}""")
            .On("POST", $"/api/v1/services/{Canned.ClientId}/instances", 201, "[]")
            .On("POST", $"/api/v1/services/{Canned.DemoId}/instances", 201, "[]")
            // The demo instances are still Starting at first: the run must wait.
            .On("GET", $"/api/v1/services/{Canned.DemoId}", 200, demo.Replace("\"Running\"", "\"Starting\"", StringComparison.Ordinal))
            .On("GET", $"/api/v1/services/{Canned.ClientId}", 200, client)
            .On("GET", $"/api/v1/instances/{Canned.ClientId}.0", 200, Canned.Instance(Canned.ClientId, 0, "Running", "w1", "10.30.0.10", "10.18.0.2"))
            .On("GET", "/api/v1/nodes", 200, Canned.Nodes);
        _ = Task.Delay(2500).ContinueWith(_ => root.On("GET", $"/api/v1/services/{Canned.DemoId}", 200, demo));

        var output = new StringWriter { NewLine = "\n" };
        var ctx = new CliContext(output, output, _ => null, oak.RepoRoot);
        try
        {
            LabFabric.Create(layout);
            LabFabric.AddNamespace(layout, $"{Prefix}w1-i2", $"{Subnet}.20"); // the client instance's namespace
            for (var n = 1; n <= 3; n++)
                LabProcesses.Start($"demo{n}", $"{Prefix}w{n}",
                    ["env", $"OAK_INSTANCE_ID={Canned.DemoId}.{n - 1}", $"OAK_NODE=w{n}", $"OAK_NAMESPACE_IPV4={W(n)}", "dotnet", demoDll, "serve", "--port", "8080"],
                    paths.Log($"demo{n}"));
            await WaitListeningAsync(layout, 3);

            using var api = new RootClient(new Uri(root.Url + "/"));
            await new DemoRun(ctx, paths, layout, demoDll).RunAsync(api, TimeSpan.FromSeconds(30), default);

            var rows = output.ToString().Split('\n').Select(l => l.Split("  ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
            string[] Row(string envelope) => rows.Single(r => r.Length > 0 && r[0].StartsWith(envelope, StringComparison.Ordinal));
            Assert.Equal([W(1), $"{Canned.DemoId}.0", "w1", W(1)], Row("1: Closest IP")[1..5]);
            Assert.Equal([W(2), $"{Canned.DemoId}.1", "w2", W(2)], Row("2: Round Robin IP")[1..5]);
            Assert.Equal([W(3), $"{Canned.DemoId}.2", "w3", W(3)], Row("4: Instance IP of instance 3")[1..5]);
            // Without a proxy every server sees the client's namespace address; through the lab it would be its Instance IP.
            Assert.All(new[] { "1:", "2:", "3:", "4:" }, e => Assert.StartsWith($"{Subnet}.20:", Row(e)[5]));
            Assert.Contains($"from client {Canned.ClientId}.0 (Instance IP 10.30.0.10, namespace {Prefix}w1-i2)", output.ToString());
            Assert.True(File.Exists(Path.Combine(paths.Dir, "demo-sla.json")));
            // The fake "RR IP" is one fixed server, so both RR envelopes hit the same instance: the run says so.
            Assert.Contains($"note: both Round Robin requests reached {Canned.DemoId}.1", output.ToString());
        }
        finally
        {
            foreach (var ns in LabFabric.Namespaces(Prefix)) LabProcesses.Stop(LabFabric.Pids(ns), TimeSpan.FromSeconds(2));
            LabFabric.Remove(Prefix, "oakt-lab0");
        }
        Assert.Empty(LabFabric.Namespaces(Prefix));
    }

    private static async Task WaitListeningAsync(LabLayout layout, int servers)
    {
        for (var i = 0; i < 100; i++)
        {
            var up = Enumerable.Range(1, servers).Count(n => Shell.Run("ip", "netns", "exec", $"{Prefix}w{n}", "ss", "-Htln", "sport = :8080").Stdout.Trim().Length > 0);
            if (up == servers) return;
            await Task.Delay(200);
        }
        throw new TimeoutException("demo servers did not start listening");
    }
}
