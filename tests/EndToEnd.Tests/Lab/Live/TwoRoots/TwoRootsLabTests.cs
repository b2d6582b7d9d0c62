using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace Oakestra.Actors.EndToEnd.Tests.Lab.Live.TwoRoots;

/// <summary>A lab of its own: `oak lab up --roots 2` (two roots on the lab's PostgreSQL, one site of three workers).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TwoRootsLabCollection : ICollectionFixture<TwoRootsLabFixture>
{
    public const string Name = "live lab, two roots";
}

public sealed class TwoRootsLabFixture : LabFixture
{
    protected override string[] UpArguments => ["--roots", "2"];
}

/// <summary>Root HA as a user of the CLI sees it: one root killed in the middle of a stream of deployments.</summary>
[Collection(TwoRootsLabCollection.Name)]
[TestCaseOrderer(StepOrderer.Name, StepOrderer.Assembly)]
public sealed class TwoRootsLabTests(TwoRootsLabFixture lab, ITestOutputHelper log)
{
    private const int Deployments = 50;
    private const int KillBefore = 10; // the root is killed after this many deployments

    [SkippableFact, Step(1)]
    public async Task Fifty_deployments_while_a_root_is_killed_each_success_exists_once_and_the_other_root_takes_over()
    {
        lab.RequireUp();
        var roots = await RootUrls();
        Assert.Equal(2, roots.Count);
        var dir = Path.Combine(lab.Repo, ".lab", "ha");
        Directory.CreateDirectory(dir);

        var results = new List<(int N, Proc.Result Result, TimeSpan Started)>();
        var clock = Stopwatch.StartNew();
        string victim = "", survivor = "";
        var killedAt = TimeSpan.Zero;
        Task<(TimeSpan Sent, TimeSpan Answered)>? failover = null;
        for (var n = 0; n < Deployments; n++)
        {
            if (n == KillBefore)
            {
                // The root the CLI talks to (it asks the one that answered last first): its clients must move over.
                var answering = File.Exists(Path.Combine(lab.Repo, ".lab", "answering-root"))
                    ? File.ReadAllText(Path.Combine(lab.Repo, ".lab", "answering-root")).Trim().TrimEnd('/') : roots.First().Value;
                victim = roots.Single(r => r.Value == answering).Key;
                survivor = roots.Keys.Single(k => k != victim);
                await lab.OakOk("lab", "kill", victim); // SIGKILL
                killedAt = clock.Elapsed;
                failover = FirstAnswer(roots[survivor], TimeSpan.FromSeconds(60));
            }
            var file = Path.Combine(dir, $"ha{n}.json");
            await File.WriteAllTextAsync(file, Sla($"ha{n}"));
            var started = clock.Elapsed;
            results.Add((n, await lab.Oak(LabFixture.Short, "deploy", file), started));
        }
        var (sentAfterKill, answeredAfterKill) = await failover!;
        var failed = results.Where(r => r.Result.ExitCode != 0).ToList();
        log.WriteLine($"killed {victim} after {KillBefore} deployments ({killedAt.TotalSeconds:F1} s); the first ask of {survivor}'s API alone for its services " +
                      $"that answered was sent {sentAfterKill.TotalSeconds:F1} s and answered {answeredAfterKill.TotalSeconds:F1} s after the kill; " +
                      $"{Deployments - failed.Count} of {Deployments} deployments answered success, {failed.Count} failed");
        foreach (var r in results.Where(r => r.Started >= killedAt).Take(6))
            log.WriteLine($"  ha{r.N}: sent {(r.Started - killedAt).TotalSeconds:F1} s after the kill: " +
                          (r.Result.ExitCode == 0 ? "success" : r.Result.Err.Trim()));
        try { log.WriteLine($"{survivor}'s log on downing, lease and shards:\n" + string.Join("\n", File.ReadLines(Path.Combine(lab.Repo, ".lab", "logs", $"{survivor}.log"))
            .Where(l => l.Contains("SBR") || l.Contains("ease") || l.Contains("hard") || l.Contains("Leader is moving node") || l.Contains("UNREACHABLE")).TakeLast(30))); }
        catch (IOException e) { log.WriteLine($"no log of {survivor}: {e.Message}"); }

        Assert.All(results.Where(r => r.N < KillBefore), r => Assert.True(r.Result.ExitCode == 0, $"ha{r.N}, before the kill: {r.Result}"));
        // Once the other root answers, deploying through the CLI works again.
        Assert.All(results.Where(r => r.Started > killedAt + answeredAfterKill), r => Assert.True(r.Result.ExitCode == 0,
            $"ha{r.N}, {(r.Started - killedAt).TotalSeconds:F1} s after the kill ({survivor} answered at {answeredAfterKill.TotalSeconds:F1} s): {r.Result}"));

        // Every deployment that answered success exists exactly once, with exactly one instance, and no address has two owners.
        using var listing = JsonDocument.Parse((await lab.OakOk("--json", "services")).Out);
        var services = listing.RootElement.EnumerateArray().ToList();
        foreach (var (n, _, _) in results.Where(r => r.Result.ExitCode == 0))
        {
            var matches = services.Where(s => s.GetProperty("id").GetString() == $"ha{n}.lab.s.lab").ToList();
            Assert.True(matches.Count == 1, $"ha{n} answered success but is listed {matches.Count} times");
            var instances = matches[0].GetProperty("instances").GetArrayLength();
            Assert.True(instances == 1, $"ha{n} answered success with one instance but has {instances}");
        }
        var owners = new List<(string Address, string Owner)>();
        foreach (var svc in services)
        {
            var id = svc.GetProperty("id").GetString()!;
            foreach (var ip in svc.GetProperty("service_ips").EnumerateArray())
                owners.AddRange(new[] { ip.GetProperty("ipv4").GetString(), ip.GetProperty("ipv6").GetString() }.OfType<string>().Select(a => (a, id)));
            foreach (var inst in svc.GetProperty("instances").EnumerateArray())
                owners.AddRange(new[] { inst.GetProperty("instance_ipv4").GetString(), inst.GetProperty("instance_ipv6").GetString() }.OfType<string>()
                    .Select(a => (a, inst.GetProperty("id").GetString()!)));
        }
        var twice = owners.Where(o => o.Address.Length > 0).GroupBy(o => o.Address).Where(g => g.Count() > 1).ToList();
        log.WriteLine($"{services.Count} services listed, {owners.Count} addresses, {twice.Count} with two owners");
        Assert.True(twice.Count == 0, "addresses with two owners: " + string.Join("; ", twice.Select(g => $"{g.Key}: {string.Join(", ", g.Select(o => o.Owner))}")));
        // Last, so that the checks above report too when the failover is slow (docs/NODES.md has the breakdown).
        Assert.True(answeredAfterKill <= TimeSpan.FromSeconds(20), $"{survivor}'s API answered only {answeredAfterKill.TotalSeconds:F1} s after {victim} was killed");
    }

    [SkippableFact, Step(2)]
    public async Task A_partition_between_the_roots_downs_one_that_rejoins_by_itself_when_it_heals_and_no_root_process_exits()
    {
        lab.RequireUp();
        var roots = await RootUrls();
        // The root the step before killed comes back first, as an operator would start it.
        foreach (var (name, _) in await RootPids())
            if (name.Pid is null) await lab.OakOk("lab", "start", name.Name);
        await WaitBothAnswer(roots, TimeSpan.FromSeconds(60), "before the cut");
        var before = await RootPids();

        // `root` names the whole root tier in a cut; `root1` the first root alone.
        await lab.OakOk("lab", "cut", "root1", "root2");
        var cut = Stopwatch.StartNew();
        // Both sides suspect each other; the lease lets one decide, the other is downed and starts a new ActorSystem
        // that keeps asking the winner to let it back in (never a root tier of its own).
        var downed = await WaitForLog(roots.Keys, "the root's ActorSystem ended without a signal", TimeSpan.FromSeconds(60));
        log.WriteLine($"{downed} was downed by the other root {cut.Elapsed.TotalSeconds:F1} s after the cut");
        await Task.Delay(TimeSpan.FromSeconds(5));
        await lab.OakOk("lab", "heal");
        var healed = Stopwatch.StartNew();
        await WaitBothAnswer(roots, TimeSpan.FromSeconds(30), "after the heal");
        log.WriteLine($"both roots answered `oak services` {healed.Elapsed.TotalSeconds:F1} s after the heal");

        Assert.Equal(before, await RootPids()); // the downed root's process went on: no supervisor needed
        // One root tier again: a deployment through either root is seen by the other.
        foreach (var (name, url) in roots)
        {
            var file = Path.Combine(lab.Repo, ".lab", "ha", $"after-{name}.json");
            await File.WriteAllTextAsync(file, Sla($"after{name}"));
            await lab.OakOk("--root", url, "deploy", file);
        }
        foreach (var (name, url) in roots)
        {
            var listed = (await lab.OakOk("--root", url, "services")).Out;
            Assert.All(roots.Keys, other => Assert.Contains($"after{other}", listed, StringComparison.Ordinal));
        }
    }

    private async Task<List<((string Name, int? Pid), string Url)>> RootPids()
    {
        using var doc = JsonDocument.Parse((await lab.OakOk("lab", "status", "--json")).Out);
        var urls = await RootUrls();
        return doc.RootElement.GetProperty("processes").EnumerateArray().Where(p => p.GetProperty("role").GetString() == "root")
            .Select(p => ((p.GetProperty("name").GetString()!, p.GetProperty("alive").GetBoolean() ? p.GetProperty("pid").GetInt32() : (int?)null),
                urls[p.GetProperty("name").GetString()!]))
            .OrderBy(r => r.Item1.Item1, StringComparer.Ordinal).ToList();
    }

    private async Task WaitBothAnswer(Dictionary<string, string> roots, TimeSpan limit, string when)
    {
        var sw = Stopwatch.StartNew();
        var last = "";
        while (true)
        {
            var answers = await Task.WhenAll(roots.Select(async r => (r.Key, await lab.Oak(TimeSpan.FromSeconds(15), "--root", r.Value, "services"))));
            if (answers.All(a => a.Item2.ExitCode == 0)) return;
            last = string.Join("; ", answers.Where(a => a.Item2.ExitCode != 0).Select(a => $"{a.Key}: {a.Item2.Err.Trim()}"));
            if (sw.Elapsed > limit)
                Assert.Fail($"not both roots answered `oak services` {when} within {limit.TotalSeconds:0} s: {last}\n" +
                            string.Join("\n", roots.Keys.Select(r => $"{r}'s log on membership:\n" + MembershipLines(r))));
            await Task.Delay(1000);
        }
    }

    private async Task<string> WaitForLog(IEnumerable<string> names, string line, TimeSpan limit)
    {
        var sw = Stopwatch.StartNew();
        var offsets = names.ToDictionary(n => n, n => new FileInfo(LogOf(n)).Length);
        while (sw.Elapsed < limit)
        {
            foreach (var (name, offset) in offsets)
            {
                using var f = new FileStream(LogOf(name), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                f.Seek(offset, SeekOrigin.Begin);
                if ((await new StreamReader(f).ReadToEndAsync()).Contains(line, StringComparison.Ordinal)) return name;
            }
            await Task.Delay(500);
        }
        Assert.Fail($"no root logged \"{line}\" within {limit.TotalSeconds:0} s of the cut");
        return "";
    }

    /// <summary>The lines of a root's log that tell how it left and rejoined its tier (the next lab up clears the logs).</summary>
    private string MembershipLines(string name)
    {
        try
        {
            string[] marks = ["SBR", "ease", "Welcome", "JOINING", "join seed", "Leader is", "ActorSystem ended", "Shutting down", "Starting up", "UNREACHABLE", "REACHABLE", "ShardCoordinator", "Exception"];
            using var f = new FileStream(LogOf(name), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var lines = new StreamReader(f).ReadToEnd().Split('\n');
            return string.Join("\n", lines.Where(l => marks.Any(m => l.Contains(m, StringComparison.Ordinal))).TakeLast(40).Select(l => l.Trim()[..Math.Min(l.Trim().Length, 240)]));
        }
        catch (IOException e) { return $"no log: {e.Message}"; }
    }

    private string LogOf(string name) => Path.Combine(lab.Repo, ".lab", "logs", $"{name}.log");

    /// <summary>A one-service SLA whose instance is a plain process (no port: placed and started, nothing to answer).</summary>
    private static string Sla(string app) => $$"""
        {"sla_version":"v2.0","customerID":"Admin","applications":[{"applicationID":"","application_name":"{{app}}","application_namespace":"lab",
         "application_desc":"root failover","microservices":[{"microserviceID":"","microservice_name":"s","microservice_namespace":"lab",
         "virtualization":"process","code":"sleep 86400"}]}]}
        """;

    /// <summary>Root process name → its API URL, from `oak lab status --json`.</summary>
    private async Task<Dictionary<string, string>> RootUrls()
    {
        using var doc = JsonDocument.Parse((await lab.OakOk("lab", "status", "--json")).Out);
        var urls = doc.RootElement.GetProperty("root_urls").EnumerateArray().Select(u => u.GetString()!.TrimEnd('/')).ToList();
        return doc.RootElement.GetProperty("processes").EnumerateArray().Where(p => p.GetProperty("role").GetString() == "root")
            .ToDictionary(p => p.GetProperty("name").GetString()!,
                p => urls.Single(u => u.Contains($"//{p.GetProperty("addresses")[0].GetString()}:", StringComparison.Ordinal)));
    }

    /// <summary>
    /// Asks that root's API alone for its services once a second, each ask on its own (a 503 takes the root's 10 s ask
    /// timeout, which would otherwise hide the seconds in between), until one answers: when that ask was sent and answered.
    /// Straight over HTTP: an `oak` process per ask would add its own start-up, seconds on a loaded machine.
    /// </summary>
    private async Task<(TimeSpan Sent, TimeSpan Answered)> FirstAnswer(string url, TimeSpan limit)
    {
        using var http = lab.ApiClient(url, TimeSpan.FromSeconds(30));
        var sw = Stopwatch.StartNew();
        var asks = new List<Task<(TimeSpan Sent, TimeSpan? Answered)>>();
        while (sw.Elapsed < limit && !asks.Any(a => a.IsCompletedSuccessfully && a.Result.Answered is not null))
        {
            var sent = sw.Elapsed;
            asks.Add(Task.Run(async () =>
            {
                try { await http.GetAsync("api/v1/services"); return (sent, sw.Elapsed); }
                catch (Exception e) when (e is Oakestra.Actors.Cli.Api.CliFailure or HttpRequestException or TaskCanceledException) { return (sent, (TimeSpan?)null); }
            }));
            await Task.Delay(1000);
        }
        var first = (await Task.WhenAll(asks)).Where(a => a.Answered is not null).OrderBy(a => a.Sent).ToList();
        return first.Count == 0 ? (limit, limit) : (first[0].Sent, first[0].Answered!.Value);
    }
}
