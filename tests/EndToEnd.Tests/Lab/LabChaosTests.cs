using System.Diagnostics;
using System.Text.Json;
using Oakestra.Actors.Cli;
using Oakestra.Actors.Cli.Lab;
using Oakestra.Actors.EndToEnd.Tests.Support;

namespace Oakestra.Actors.EndToEnd.Tests.Lab;

/// <summary>
/// The chaos commands on a small lab of this suite's names, brought up by `lab up` with stand-in programs:
/// the roots are socat forwarding their API port to a fake root in this test, orchestrators and workers are
/// shell loops that print a line when they start. Cuts are checked with real packets between the namespaces.
/// </summary>
[Collection("lab fabric")]
public class LabChaosTests
{
    private const string Prefix = "oakt-lab-";
    private const string Bridge = "oakt-lab0";
    private const string Subnet = "10.99.251";

    private static string NodeJson(string name, string site, int n) =>
        $$"""{"cluster":"{{site}}","node":"{{name}}","subnet_v4":"10.18.0.{{(n - 1) * 64}}/26","subnet_v6":"fc00::{{n - 1}}00/120","status":"Ready","instances":0,"latitude":48.1,"longitude":11.5,"tunnel_endpoint":"{{Subnet}}.9:50103"}""";

    private static FakeRoot Api(LabLayout layout) => new FakeRoot("*")
        .On("GET", "/api/v1/health", 200, """{"status":"ok","role":"root"}""")
        .On("GET", "/api/v1/nodes", 200, $"[{string.Join(",", layout.Workers.Select((w, i) => NodeJson(w.Name, w.Site, i + 1)))}]");

    private static LabPrograms StandIns(FakeRoot api) => new(
        (l, r) => ["socat", $"TCP-LISTEN:{LabLayout.ApiPort},bind={r.Ipv4},fork,reuseaddr", $"TCP:{l.HostAddress}:{api.Port}"],
        (_, o) => Loop(o.Name),
        (_, w) => Loop(w.Name));

    private static string[] Loop(string name) => ["sh", "-c", $"echo {name} up; while sleep 1; do :; done"];

    private sealed class Lab(Oak oak, CliContext ctx, LabPaths paths, LabLayout layout, FakeRoot api) : IDisposable
    {
        public Oak Oak => oak;
        public LabPaths Paths => paths;
        public LabLayout Layout => layout;
        public StringWriter Output { get; } = (StringWriter)ctx.Out;

        public static async Task<Lab> UpAsync(int workers, int sites, int roots = 1, Action<Oak>? prepare = null)
        {
            var oak = new Oak();
            // `oak lab down` without a state file falls back to these names: never to the real lab's.
            oak.Env["OAK_LAB_PREFIX"] = Prefix;
            oak.Env["OAK_LAB_BRIDGE"] = Bridge;
            oak.Env["OAK_LAB_SUBNET"] = Subnet;
            prepare?.Invoke(oak);
            var output = new StringWriter { NewLine = "\n" };
            var ctx = new CliContext(output, output, _ => null, oak.RepoRoot);
            var paths = new LabPaths(oak.RepoRoot);
            var layout = LabLayout.Create(workers, sites, Prefix, Bridge, Subnet, roots);
            var api = Api(layout);
            var lab = new Lab(oak, ctx, paths, layout, api);
            try { await new LabRunner(ctx, paths, StandIns(api)).UpAsync(layout, build: false, TimeSpan.FromSeconds(60), default); }
            catch { lab.Dispose(); throw; }
            return lab;
        }

        public LabState State => LabState.Load(paths)!;
        public int Pid(string name) => State.Process(name)!.Pid;

        public async Task<JsonElement> StatusAsync()
        {
            var r = await oak.RunAsync("lab", "status", "--json");
            Assert.True(r.ExitCode == 0, r.Err);
            return JsonDocument.Parse(r.Out).RootElement;
        }

        public static JsonElement Process(JsonElement status, string name) =>
            status.GetProperty("processes").EnumerateArray().Single(p => p.GetProperty("name").GetString() == name);

        public void Dispose()
        {
            try { new LabRunner(new CliContext(TextWriter.Null, TextWriter.Null, _ => null, oak.RepoRoot), paths).Down(Prefix, Bridge); }
            finally
            {
                foreach (var ns in LabFabric.Namespaces(Prefix)) LabProcesses.Stop(LabFabric.Pids(ns), TimeSpan.FromSeconds(1));
                LabFabric.Remove(Prefix, Bridge);
                api.Dispose();
                oak.Dispose();
            }
        }
    }

    [SkippableFact]
    public async Task Status_kill_and_start_act_on_exactly_the_named_process_by_its_recorded_pid()
    {
        LabTools.Require("socat");
        using var lab = await Lab.UpAsync(workers: 2, sites: 1);
        var oak = lab.Oak;
        var status = await lab.StatusAsync();
        Assert.True(status.GetProperty("running").GetBoolean());
        Assert.Equal(["root", "o1", "w1", "w2"], status.GetProperty("processes").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        var w1 = Lab.Process(status, "w1");
        Assert.Equal(("worker", "site1", $"{Prefix}w1", $"{Subnet}.3", lab.Pid("w1"), true),
            (w1.GetProperty("role").GetString(), w1.GetProperty("site").GetString(), w1.GetProperty("namespace").GetString(),
             w1.GetProperty("addresses")[0].GetString(), w1.GetProperty("pid").GetInt32(), w1.GetProperty("alive").GetBoolean()));
        Assert.Equal("root", Lab.Process(status, "root").GetProperty("role").GetString());
        Assert.Equal($"http://{Subnet}.3:9464/metrics", w1.GetProperty("metrics").GetString());
        Assert.Contains($"http://{Subnet}.1:10000", Lab.Process(status, "root").GetProperty("listens").EnumerateArray().Select(e => e.GetString()));

        // kill: exactly that pid, recorded as stopped, the others untouched.
        var before = lab.State.Processes.ToDictionary(p => p.Name, p => p.Pid);
        var kill = await oak.RunAsync("lab", "kill", "w1");
        Assert.Equal((0, ""), (kill.ExitCode, kill.Err));
        Assert.False(LabProcesses.Alive(before["w1"]));
        Assert.All(before.Where(p => p.Key != "w1"), p => Assert.True(LabProcesses.Alive(p.Value), $"{p.Key} died with w1"));
        w1 = Lab.Process(await lab.StatusAsync(), "w1");
        Assert.False(w1.GetProperty("alive").GetBoolean());
        Assert.Equal("SIGKILL by oak lab kill", w1.GetProperty("ended").GetString());
        var again = await oak.RunAsync("lab", "kill", "w1");
        Assert.Equal((1, "oak: w1 is not running (SIGKILL by oak lab kill); `oak lab start w1` starts it"), (again.ExitCode, Assert.Single(again.ErrLines)));

        // start: the same command line, in the same namespace, appending to the same log.
        var start = await oak.RunAsync("lab", "start", "w1");
        Assert.Equal((0, ""), (start.ExitCode, start.Err));
        var restarted = lab.State.Process("w1")!;
        Assert.NotEqual(before["w1"], restarted.Pid);
        Assert.Equal(2, restarted.Starts);
        await Eventually(() => LabProcesses.Argv(restarted.Pid).SequenceEqual(restarted.Command), "w1's new pid runs its command line");
        Assert.Equal($"{Prefix}w1", Shell.Check("ip", "netns", "identify", restarted.Pid.ToString()).Trim());
        await Eventually(() => File.ReadAllText(restarted.Log).Split('\n').Count(l => l == "w1 up") == 2, "w1's log has both starts");
        var log = File.ReadAllText(restarted.Log);
        Assert.True(log.IndexOf("w1 up", StringComparison.Ordinal) < log.IndexOf("==== oak lab start w1", StringComparison.Ordinal), log);
        Assert.True(Lab.Process(await lab.StatusAsync(), "w1").GetProperty("alive").GetBoolean());
        var twice = await oak.RunAsync("lab", "start", "w1");
        Assert.Equal((1, $"oak: w1 is running (pid {restarted.Pid}); `oak lab kill w1` first"), (twice.ExitCode, Assert.Single(twice.ErrLines)));

        var term = await oak.RunAsync("lab", "kill", "o1", "--signal", "TERM");
        Assert.Equal(0, term.ExitCode);
        Assert.Equal("SIGTERM by oak lab kill", Lab.Process(await lab.StatusAsync(), "o1").GetProperty("ended").GetString());

        // A process that dies on its own: the status says so, with its log's last line.
        Process.GetProcessById(lab.Pid("w2")).Kill();
        await Eventually(() => !LabProcesses.Alive(before["w2"]), "w2 gone");
        Assert.Equal("exited without oak lab kill; last log line: w2 up", Lab.Process(await lab.StatusAsync(), "w2").GetProperty("ended").GetString());

        var unknown = await oak.RunAsync("lab", "kill", "w9");
        Assert.Equal((1, "oak: no lab process named 'w9' (this lab has root, o1, w1, w2)"), (unknown.ExitCode, Assert.Single(unknown.ErrLines)));
        var badSignal = await oak.RunAsync("lab", "kill", "w1", "--signal", "HUP");
        Assert.Equal(2, badSignal.ExitCode);
    }

    [SkippableFact]
    public async Task Kill_never_signals_a_pid_that_now_runs_another_program()
    {
        LabTools.Require("socat");
        using var lab = await Lab.UpAsync(workers: 1, sites: 1);
        // As if w1 had died and the kernel had given its pid to an unrelated program.
        using var stranger = Process.Start(new ProcessStartInfo("sleep", "600") { UseShellExecute = false })!;
        try
        {
            var state = lab.State;
            state.With(state.Process("w1")! with { Pid = stranger.Id }).Save(lab.Paths);
            var r = await lab.Oak.RunAsync("lab", "kill", "w1");
            Assert.Equal(1, r.ExitCode);
            Assert.StartsWith("oak: w1 is not running", Assert.Single(r.ErrLines));
            Assert.False(stranger.HasExited, "kill signalled a pid that runs another program");
            Assert.False(Lab.Process(await lab.StatusAsync(), "w1").GetProperty("alive").GetBoolean());
        }
        finally
        {
            stranger.Kill();
        }
    }

    [SkippableFact]
    public async Task Cut_drops_every_packet_between_a_site_and_the_root_tier_both_ways_and_heal_leaves_no_table()
    {
        LabTools.Require("socat", "nft", "nc", "ping");
        // root .1; site1 = o1 .2, w1 .4; site2 = o2 .3, w2 .5.
        using var lab = await Lab.UpAsync(workers: 2, sites: 2);
        var oak = lab.Oak;
        string Ns(string node) => Prefix + node;
        string Ip(string node) => lab.Layout.Node(node).Ipv4;
        var rootV6 = Shell.Check("ip", "-n", Ns("root"), "-6", "-o", "addr", "show", "dev", "eth0", "scope", "link").Split(' ', StringSplitOptions.RemoveEmptyEntries)[3].Split('/')[0];

        bool Ping(string from, string to) => Shell.Run("ip", "netns", "exec", Ns(from), "ping", "-c", "1", "-W", "1", to).Ok;
        bool Ping6(string from, string linkLocal) => Shell.Run("ip", "netns", "exec", Ns(from), "ping", "-6", "-c", "1", "-W", "1", $"{linkLocal}%eth0").Ok;
        bool Api(string from) => Shell.Run("ip", "netns", "exec", Ns(from), "nc", "-z", "-w", "2", Ip("root"), $"{LabLayout.ApiPort}").Ok;

        await Eventually(() => Ping6("w1", rootV6), "IPv6 link-local between w1 and root before the cut"); // DAD may still run
        Assert.True(Ping("w1", Ip("root")) && Ping("root", Ip("w1")) && Api("w1") && Api("w2") && Ping("w1", Ip("w2")));

        var cut = await oak.RunAsync("lab", "cut", "site1", "root");
        Assert.Equal((0, ""), (cut.ExitCode, cut.Err));
        Assert.False(Ping("w1", Ip("root")), "w1 → root passed the cut");
        Assert.False(Ping("o1", Ip("root")), "o1 → root passed the cut");
        Assert.False(Ping("root", Ip("w1")), "root → w1 passed the cut");
        Assert.False(Ping("root", Ip("o1")), "root → o1 passed the cut");
        Assert.False(Api("w1"), "a TCP connection from w1 to the root's API passed the cut");
        Assert.False(Ping6("w1", rootV6), "IPv6 from w1 to root passed the cut");
        Assert.True(Ping("w2", Ip("root")) && Api("w2"), "site2 lost the root though only site1 was cut");
        Assert.True(Ping("w1", Ip("w2")), "w1 lost w2 though only the root tier was cut from site1");

        var pair = await oak.RunAsync("lab", "cut", "w1", "w2");
        Assert.Equal(0, pair.ExitCode);
        Assert.False(Ping("w1", Ip("w2")) || Ping("w2", Ip("w1")), "w1 ↔ w2 passed their cut");
        var same = await oak.RunAsync("lab", "cut", "root", "site1");
        Assert.Equal((0, "site1 and root are already cut\n"), (same.ExitCode, same.Out));
        Assert.Equal(2, (await oak.RunAsync("lab", "cut", "site1", "w1")).ExitCode); // w1 on both sides
        Assert.Equal(2, (await oak.RunAsync("lab", "cut", "site9", "root")).ExitCode);

        var cuts = (await lab.StatusAsync()).GetProperty("cuts").EnumerateArray()
            .Select(c => (c.GetProperty("a").GetString(), c.GetProperty("b").GetString(), string.Join(",", c.GetProperty("a_nodes").EnumerateArray().Select(n => n.GetString())), string.Join(",", c.GetProperty("b_nodes").EnumerateArray().Select(n => n.GetString()))));
        Assert.Equal([("site1", "root", "o1,w1", "root"), ("w1", "w2", "w1", "w2")], cuts);
        Assert.Equal([Ns("o1"), Ns("root"), Ns("w1"), Ns("w2")], LabCuts.NamespacesWithTable(Prefix).Order());
        var text = await oak.RunAsync("lab", "status");
        Assert.Contains(text.Out.Split('\n'), l => l.Split("  ", StringSplitOptions.RemoveEmptyEntries) is ["site1 / root", "o1 w1", "root"]);

        var heal = await oak.RunAsync("lab", "heal");
        Assert.Equal((0, "healed site1 / root, w1 / w2\n"), (heal.ExitCode, heal.Out));
        Assert.True(Ping("w1", Ip("root")) && Ping("root", Ip("w1")) && Ping("o1", Ip("root")) && Api("w1") && Ping("w1", Ip("w2")) && Ping("w2", Ip("w1")));
        await Eventually(() => Ping6("w1", rootV6), "IPv6 from w1 to root after heal");
        Assert.Empty(LabCuts.NamespacesWithTable(Prefix));
        Assert.DoesNotContain(LabCuts.Table, Shell.Run("nft", "list", "tables").Stdout); // never in the machine's own namespace
        Assert.Empty((await lab.StatusAsync()).GetProperty("cuts").EnumerateArray());
        Assert.Equal("no cuts: nothing to heal\n", (await oak.RunAsync("lab", "heal")).Out);

        // A cut still active at `down` goes with the namespaces.
        Assert.Equal(0, (await oak.RunAsync("lab", "cut", "site2", "root")).ExitCode);
        Assert.Equal(0, (await oak.RunAsync("lab", "down")).ExitCode);
        Assert.Empty(LabFabric.Namespaces(Prefix));
    }

    [SkippableFact]
    public async Task Two_roots_share_a_PostgreSQL_cluster_the_lab_makes_under_lab_pg_and_down_removes()
    {
        LabTools.Require("socat");
        LabTools.RequirePostgresServer();
        // The postgres user must be able to enter the checkout (a temporary folder is 0700).
        using var lab = await Lab.UpAsync(workers: 1, sites: 1, roots: 2, prepare: oak => Shell.Check("chmod", "755", oak.RepoRoot));
        var db = lab.Layout.Database!;
        var output = lab.Output.ToString().Split('\n');
        foreach (var phase in new[] { "postgres: database oakestra ready (", "root: root answering (", "roots' cluster: root2 answering (", "roots' cluster: 2 roots answering (",
                     "site1: started o1, w1", "workers: w1 registered (site1, ", "site1: every worker registered (", "workers registered: 1 of 1 (" })
            Assert.Contains(output, l => l.StartsWith(phase, StringComparison.Ordinal));

        Assert.Equal($"http://{Subnet}.1:10000,http://{Subnet}.202:10000", lab.Paths.ReadEnv()["OAK_ROOT"]);
        var owner = Shell.Check("stat", "-c", "%U", lab.Paths.Postgres).Trim();
        Assert.Equal("postgres", owner);
        foreach (var root in lab.Layout.Roots)
        {
            var psql = Shell.Run("ip", "netns", "exec", Prefix + root.Name, "psql", $"postgresql://{db.User}:{db.Password}@{db.Host}:{db.Port}/{db.Name}", "-tAc", "select current_database()");
            Assert.True(psql.Ok, psql.Stderr);
            Assert.Equal(db.Name, psql.Stdout.Trim());
        }
        // Only on the bridge's host address, never on the machine's other addresses.
        var listening = Shell.Check("ss", "-Htln", $"sport = :{db.Port}").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3]).ToList();
        Assert.Equal([$"{db.Host}:{db.Port}"], listening);
        var status = (await lab.StatusAsync()).GetProperty("database");
        Assert.True(status.GetProperty("alive").GetBoolean());
        var postmaster = status.GetProperty("pid").GetInt32();
        // The CLI reaches the roots through .lab/env's list.
        Assert.Equal(0, (await lab.Oak.RunAsync("nodes")).ExitCode);

        var down = await lab.Oak.RunAsync("lab", "down");
        Assert.Equal(0, down.ExitCode);
        Assert.Contains("and the PostgreSQL cluster in .lab/pg", down.Out);
        Assert.False(Directory.Exists(lab.Paths.Postgres));
        Assert.False(LabProcesses.Alive(postmaster), "the lab's postmaster survived lab down");
        Assert.Empty(Shell.Check("ss", "-Htln", $"sport = :{db.Port}").Trim());
        Assert.True(File.Exists(lab.Paths.Log("postgres")), "the database's log is kept like the others");
    }

    [SkippableFact]
    public async Task Several_roots_in_a_checkout_the_postgres_user_cannot_enter_fail_before_anything_is_made()
    {
        LabTools.RequirePostgresServer();
        using var oak = new Oak(); // a temporary folder: 0700
        var ctx = new CliContext(TextWriter.Null, TextWriter.Null, _ => null, oak.RepoRoot);
        var e = await Assert.ThrowsAsync<Oakestra.Actors.Cli.Api.CliFailure>(() => new LabRunner(ctx, new LabPaths(oak.RepoRoot), StandIns(null!))
            .UpAsync(LabLayout.Create(1, 1, Prefix, Bridge, Subnet, roots: 2), build: false, TimeSpan.FromSeconds(10), default));
        Assert.Equal($"PostgreSQL runs as the postgres user, which cannot enter {oak.RepoRoot}: `chmod o+x {oak.RepoRoot}` or use a checkout it can reach (several roots keep their database in .lab/pg)", e.Message);
        Assert.Empty(LabFabric.Namespaces(Prefix));
        Assert.False(File.Exists(new LabPaths(oak.RepoRoot).StateFile));
    }

    private static async Task Eventually(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"not within 10 s: {what}");
            await Task.Delay(100);
        }
    }
}
