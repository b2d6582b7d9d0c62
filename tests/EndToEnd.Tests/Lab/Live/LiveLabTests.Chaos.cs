using System.Diagnostics;
using System.Text.Json;

namespace Oakestra.Actors.EndToEnd.Tests.Lab.Live;

/// <summary>
/// What the chaos steps (root loss, site cut, orchestrator loss) share: a request loop from the client to the
/// demo's Round Robin IP and to an Instance IP on another node, the pids that must not change, and a new
/// deployment that must get placed.
/// </summary>
public sealed partial class LiveLabTests
{
    private const int LoopRate = 20; // requests per second, per loop

    /// <summary>Two loops of 20 new connections a second each, for <paramref name="seconds"/>: the RR IP and one Instance IP.</summary>
    private sealed record TrafficLoops(string RrIp, InstanceView Target, Task<IReadOnlyList<CurlRun.Outcome>> Rr, Task<IReadOnlyList<CurlRun.Outcome>> Direct, Stopwatch Clock);

    /// <summary>
    /// Waits until no worker has a draining placement (a migration of an earlier step ends 30 s after the new
    /// placement runs) and returns the pids and instance processes to compare with afterwards. A draining
    /// placement stops on its own during the step, and new flows from its node to that Instance IP still reach it
    /// there (src/WorkerNode/Ports/InstanceRouting.cs) instead of the new placement: neither is this step's subject.
    /// </summary>
    private async Task<(SortedDictionary<string, int> Pids, SortedDictionary<string, string> Instances)> Settled()
    {
        var sw = Stopwatch.StartNew();
        await WaitFor(TimeSpan.FromSeconds(90), async () => await Draining() is { Count: 0 } ? "" : null,
            "no draining placement on any worker", describe: () => string.Join(", ", _draining));
        if (sw.Elapsed > TimeSpan.FromSeconds(2)) log.WriteLine($"waited {sw.Elapsed.TotalSeconds:F0} s for an earlier migration's drain to end");
        return (await SitePids(), await InstanceProcesses());
    }

    private List<string> _draining = [];

    private async Task<List<string>> Draining()
    {
        var draining = new List<string>();
        foreach (var (node, p) in await LabProcesses())
        {
            if (p.Role != "worker") continue;
            if (await TableOf(node) is not { } table) { draining.Add($"{node}: table not answered"); continue; }
            draining.AddRange(table.GetProperty("local_instances").EnumerateArray().Where(l => l.GetProperty("draining").GetBoolean())
                .Select(l => $"{l.GetProperty("instance_id").GetString()} draining on {node}"));
        }
        return _draining = draining;
    }

    private async Task<TrafficLoops> StartLoops(int seconds)
    {
        var svc = await lab.ServiceAsync();
        // An Instance IP on another node: its packets cross the tunnel, so the client's worker must keep forwarding.
        var target = svc.Instances.Where(i => i.Status == "Running" && i.Node != lab.ClientNode).OrderBy(i => i.Id, StringComparer.Ordinal).First();
        var clock = Stopwatch.StartNew();
        var rr = CurlRun.GetAsync(lab, svc.RoundRobinV4, seconds * LoopRate, $"{LoopRate}/s");
        var direct = CurlRun.GetAsync(lab, target.Ipv4, seconds * LoopRate, $"{LoopRate}/s");
        return new TrafficLoops(svc.RoundRobinV4, target, rr, direct, clock);
    }

    /// <summary>Waits until <paramref name="at"/> has passed since the loops began.</summary>
    private static Task Until(TrafficLoops loops, TimeSpan at) =>
        at > loops.Clock.Elapsed ? Task.Delay(at - loops.Clock.Elapsed) : Task.CompletedTask;

    /// <summary>SIGKILLs a lab process <paramref name="killAt"/> s into the loops and starts it again at <paramref name="startAt"/> s; times from the start.</summary>
    private async Task<Stopwatch> KillThenStart(TrafficLoops loops, string process, int killAt, int startAt)
    {
        await Until(loops, TimeSpan.FromSeconds(killAt));
        await lab.OakOk("lab", "kill", process); // SIGKILL
        log.WriteLine($"{process} killed at {loops.Clock.Elapsed.TotalSeconds:F1} s");
        await Until(loops, TimeSpan.FromSeconds(startAt));
        await lab.OakOk("lab", "start", process);
        log.WriteLine($"{process} started at {loops.Clock.Elapsed.TotalSeconds:F1} s");
        return Stopwatch.StartNew();
    }

    /// <summary>Both loops' outcomes; ≥ 99 % of each answered, and RR answers came from another node too.</summary>
    private async Task<string> AssertLoopsAnswered(TrafficLoops loops, string what)
    {
        var rr = await loops.Rr;
        var direct = await loops.Direct;
        var lines = new List<string>();
        foreach (var (name, outcomes) in new[] { ($"RR {loops.RrIp}", rr), ($"Instance IP {loops.Target.Ipv4} ({loops.Target.Id} on {loops.Target.Node})", direct) })
        {
            var failed = outcomes.Where(o => !o.Ok).ToList();
            // The n-th request was due n / rate seconds into the loop (curl --rate), which says when they failed.
            var when = outcomes.Select((o, n) => (o, n)).Where(x => !x.o.Ok).Select(x => $"{x.n / (double)LoopRate:F1}");
            var line = $"{what}, {name}: {outcomes.Count - failed.Count} of {outcomes.Count} answered, {failed.Count} failed" +
                (failed.Count == 0 ? "" : $" (due at {string.Join(", ", when.Take(20))} s): " +
                    string.Join("; ", failed.GroupBy(f => f.ToString()).Select(g => $"{g.Count()}× {g.Key}")));
            log.WriteLine(line);
            lines.Add(line);
            Assert.True(failed.Count * 100 <= outcomes.Count, line);
        }
        Assert.All(direct.Where(o => o.Ok), o => Assert.Equal((loops.Target.Id, loops.Target.Node), (o.Answer!.Instance, o.Answer.Node)));
        Assert.Contains(rr, o => o.Ok && o.Answer!.Node != lab.ClientNode); // RR traffic crossed to another node
        return string.Join("\n", lines);
    }

    /// <summary>`oak lab status --json`: name → (role, pid, alive) of every lab process.</summary>
    private async Task<Dictionary<string, (string Role, int? Pid, bool Alive)>> LabProcesses()
    {
        using var doc = JsonDocument.Parse((await lab.OakOk("lab", "status", "--json")).Out);
        return doc.RootElement.GetProperty("processes").EnumerateArray().ToDictionary(
            p => p.GetProperty("name").GetString()!,
            p => (p.GetProperty("role").GetString()!, p.GetProperty("pid") is { ValueKind: JsonValueKind.Number } n ? n.GetInt32() : (int?)null,
                p.GetProperty("alive").GetBoolean()));
    }

    /// <summary>Pid of every running orchestrator and worker (every one must run).</summary>
    private async Task<SortedDictionary<string, int>> SitePids()
    {
        var result = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var (name, p) in await LabProcesses())
        {
            if (p.Role == "root") continue;
            Assert.True(p.Alive && p.Pid is not null, $"{name} ({p.Role}) is not running");
            result[name] = p.Pid!.Value;
        }
        Assert.NotEmpty(result);
        return result;
    }

    /// <summary>Every process in every instance namespace of the lab (not the lab processes' own), by namespace.</summary>
    private async Task<SortedDictionary<string, string>> InstanceProcesses()
    {
        var labNamespaces = (await LabProcesses()).Keys.Select(n => lab.Prefix + n).ToHashSet(StringComparer.Ordinal);
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var ns in (await Namespaces()).Where(n => !labNamespaces.Contains(n)))
        {
            var pids = (await Proc.RunAsync(lab.Repo, LiveLabFixture.Short, "ip", "netns", "pids", ns)).Out
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).Order();
            result[ns] = string.Join(" ", pids);
        }
        return result;
    }

    /// <summary>Every instance namespace of <paramref name="before"/> still there with exactly the same processes.</summary>
    private async Task AssertInstancesKept(SortedDictionary<string, string> before, string what)
    {
        Assert.True(before.Count >= 3, $"only {before.Count} instance namespaces before {what}: nothing to compare");
        Assert.All(before.Values, pids => Assert.NotEqual("", pids));
        var after = await InstanceProcesses();
        var changed = before.Where(b => !after.TryGetValue(b.Key, out var now) || now != b.Value)
            .Select(b => $"{b.Key}: {b.Value} → {(after.TryGetValue(b.Key, out var now) ? now : "namespace gone")}").ToList();
        Assert.True(changed.Count == 0, $"instance processes changed across {what}: {string.Join("; ", changed)}");
        log.WriteLine($"{what}: all {before.Count} instance namespaces kept their processes ({before.Values.Sum(v => v.Split(' ').Length)} pids)");
    }

    /// <summary>A one-instance service (the demo server, placed wherever the orchestrator chooses), as a user deploys one.</summary>
    private async Task<string> DeployProbe(string name)
    {
        var sla = $$"""
            {"sla_version":"v2.0","customerID":"Admin","applications":[{"applicationID":"","application_name":"chaos","application_namespace":"lab",
             "application_desc":"a deployment made by a chaos step","microservices":[{"microserviceID":"","microservice_name":"{{name}}",
             "microservice_namespace":"lab","virtualization":"process","code":"dotnet {{lab.DemoDll}} serve --port 8080","port":8080}]}]}
            """;
        var file = Path.Combine(lab.Repo, ".lab", $"chaos-{name}-sla.json");
        await File.WriteAllTextAsync(file, sla);
        await lab.OakOk("deploy", file);
        return $"chaos.lab.{name}.lab";
    }

    /// <summary>The probe's instance once Running (null while not), with how long it took.</summary>
    private async Task<InstanceView?> ProbeRunning(string service) =>
        (await lab.ServiceAsync(service)).Instances.FirstOrDefault(i => i.Status == "Running" && i.Node is not null);

    /// <summary>The probe answers on its Instance IP from the node it runs on; its service removed afterwards either way.</summary>
    private async Task ProbeAnswersThenUndeploy(string service, InstanceView running)
    {
        try { await AnswersOnItsInstanceIp(running.Id, running, 4); }
        finally { await lab.Oak(LiveLabFixture.Short, "undeploy", service); }
    }

    /// <summary>`oak table <paramref name="node"/>` answered (the root reached the worker through its orchestrator).</summary>
    private async Task<JsonElement?> TableOf(string node)
    {
        var r = await lab.Oak(LiveLabFixture.Short, "--json", "table", node);
        if (r.ExitCode != 0) return null;
        using var doc = JsonDocument.Parse(r.Out);
        return doc.RootElement.Clone();
    }
}
