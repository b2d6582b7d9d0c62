using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace Oakestra.Actors.EndToEnd.Tests.Lab.Live;

/// <summary>
/// Semantic addressing as a user of the real lab sees it, from inside the demo client's namespace.
/// One lab for all steps; the steps run in order because the later ones change it (undeploy, place,
/// migrate; 8–10 lose the root, cut the site from it, lose the orchestrator; 11–12 SIGKILL a worker; 13 lab down).
/// </summary>
[Collection(LiveLabCollection.Name)]
[TestCaseOrderer(StepOrderer.Name, StepOrderer.Assembly)]
public sealed partial class LiveLabTests(LiveLabFixture lab, ITestOutputHelper log)
{
    private const int Connections = 300;

    /// <summary>
    /// Client ports outside the kernel's ephemeral range (32768–60999) for requests to Instance IPs, so they never
    /// reuse a port of an earlier RR/Closest flow to the same instance (that is a product bug of its own, tested below).
    /// </summary>
    private const string InstancePorts = "61000-61999";

    private string ClientIp(int family) => family == 4 ? lab.ClientIpv4 : lab.ClientIpv6;

    [SkippableTheory, Step(1)]
    [InlineData(4)]
    [InlineData(6)]
    public async Task Round_robin_IP_spreads_300_new_connections_evenly_and_every_instance_sees_the_clients_Instance_IP(int family)
    {
        lab.RequireUp();
        var svc = await lab.ServiceAsync();
        var outcomes = await CurlRun.GetAsync(lab, svc.Ip("rr", family), Connections);

        Assert.All(outcomes, o => Assert.True(o.Ok, o.ToString()));
        var answers = outcomes.Select(o => o.Answer!).ToList();
        Assert.All(answers, a => Assert.Equal(ClientIp(family), a.SawHost));
        var counts = answers.GroupBy(a => a.Instance).ToDictionary(g => g.Key, g => g.Count());
        log.WriteLine($"IPv{family} RR spread: {string.Join(", ", counts.Select(c => $"{c.Key}={c.Value}"))}");
        // Really new connections: each request came from a source port of its own. Seen once in CI: 296 distinct of 300,
        // the repeated ones printed here so the next occurrence says which instances and outcomes they were.
        var repeated = answers.Select((a, i) => (a, i)).GroupBy(x => x.a.SawPort).Where(g => g.Count() > 1).ToList();
        foreach (var g in repeated)
            log.WriteLine($"source port {g.Key} seen by requests {string.Join(", ", g.Select(x => $"#{x.i} at {x.a.Instance} (local port {outcomes[x.i].LocalPort})"))}");
        Assert.True(repeated.Sum(g => g.Count() - 1) <= Connections / 50, $"{repeated.Count} source ports were seen more than once");
        Assert.Equal(svc.Instances.Select(i => i.Id).Order(), counts.Keys.Order());
        Assert.All(counts.Values, c => Assert.InRange(c, 90, 110)); // 100 each ±10 %
    }

    [SkippableTheory, Step(2)]
    [InlineData(4)]
    [InlineData(6)]
    public async Task Each_Instance_IP_reaches_exactly_that_instance(int family)
    {
        lab.RequireUp();
        var svc = await lab.ServiceAsync();
        Assert.Equal(3, svc.Instances.Count);
        foreach (var inst in svc.Instances)
        {
            var outcomes = await CurlRun.GetAsync(lab, inst.Ip(family), 10, localPorts: InstancePorts);
            Assert.All(outcomes, o =>
            {
                Assert.True(o.Ok, o.ToString());
                Assert.Equal(inst.Id, o.Answer!.Instance);
                Assert.Equal(inst.Node, o.Answer.Node);
                Assert.Equal(ClientIp(family), o.Answer.SawHost);
            });
        }
    }

    [SkippableTheory, Step(2)]
    [InlineData(4)]
    [InlineData(6)]
    public async Task Instance_IP_works_on_a_client_port_last_used_for_the_RR_IP(int family)
    {
        lab.RequireUp();
        var svc = await lab.ServiceAsync();
        // The client's own kernel may refuse to bind a port whose last connection it closed first (TIME_WAIT,
        // curl exit 45): such a port proves nothing either way, so it is skipped and the next one tried.
        const int CurlBindFailed = 45;
        var checkedPorts = 0;
        for (var port = 42000 + family * 100; port < 42020 + family * 100 && checkedPorts < 3; port++)
        {
            var viaRr = (await CurlRun.GetAsync(lab, svc.Ip("rr", family), 1, localPorts: $"{port}"))[0];
            if (viaRr.Exit == CurlBindFailed) continue;
            Assert.True(viaRr.Ok, viaRr.ToString());
            var inst = svc.Instance(viaRr.Answer!.Instance);
            var direct = (await CurlRun.GetAsync(lab, inst.Ip(family), 1, localPorts: $"{port}"))[0];
            if (direct.Exit == CurlBindFailed) continue;
            Assert.True(direct.Ok, $"port {port}: RR answered by {inst.Id}, then its Instance IP {inst.Ip(family)} from the same port: {direct}");
            Assert.Equal(inst.Id, direct.Answer!.Instance);
            checkedPorts++;
        }
        Assert.True(checkedPorts > 0, "no port could be reused by the client (every bind failed): nothing was checked");
    }

    [SkippableTheory, Step(3)]
    [InlineData(4)]
    [InlineData(6)]
    public async Task UDP_request_gets_its_response_through_the_RR_and_Closest_IPs_and_ping_answers_from_the_Service_IP(int family)
    {
        lab.RequireUp();
        var svc = await lab.ServiceAsync();
        foreach (var policy in new[] { "rr", "closest" })
        {
            var ip = svc.Ip(policy, family);
            var r = await lab.Demo("udp", ip, "8080", $"hello-{policy}-{family}");
            Assert.True(r.ExitCode == 0, $"demo udp {ip}: {r}");
            var a = DemoAnswer.Parse(r.Out.Trim());
            Assert.Equal("udp", a.Protocol);
            Assert.Equal($"hello-{policy}-{family}", a.Raw.GetProperty("request").GetString());
            Assert.Equal(ClientIp(family), a.SawHost);
            if (policy == "closest") Assert.Equal(lab.ClientNode, a.Node);

            var ping = await lab.InClient(LiveLabFixture.Short, "ping", $"-{family}", "-c", "3", "-W", "3", ip);
            Assert.True(ping.ExitCode == 0, $"ping {ip}: {ping}");
            Assert.Contains("3 received", ping.Out);
            // Replies must come from the address that was pinged (the Service IP), not from a Namespace IP.
            var froms = ping.Out.Split('\n').Where(l => l.Contains("bytes from ")).Select(l => l.Split("bytes from ")[1].Split(':')[0..^1]).Select(p => string.Join(':', p)).ToList();
            Assert.Equal(3, froms.Count);
            Assert.All(froms, f => Assert.Equal(ip, f));
        }
    }

    [SkippableFact, Step(4)]
    public async Task An_8_MB_TCP_stream_through_the_RR_IP_to_an_instance_on_another_node_arrives_intact()
    {
        lab.RequireUp();
        var svc = await lab.ServiceAsync();
        // Round Robin rotates, so within a few new flows one lands on another node; every one must be intact.
        var elsewhere = 0;
        for (var attempt = 0; attempt < 6 && elsewhere < 2; attempt++)
        {
            var r = await lab.Demo("stream", svc.RoundRobinV4, "8080", "8");
            Assert.True(r.ExitCode == 0, $"demo stream: {r}");
            var a = DemoAnswer.Parse(r.Out.Trim());
            Assert.Equal(8L * 1024 * 1024, a.Raw.GetProperty("bytes").GetInt64());
            Assert.True(a.Raw.GetProperty("intact").GetBoolean(), $"the server's hash does not match: {r.Out}");
            Assert.Equal(lab.ClientIpv4, a.SawHost);
            log.WriteLine($"stream to {a.Node}: {a.Raw.GetProperty("mbit_per_s")} Mbit/s");
            if (a.Node != lab.ClientNode) elsewhere++;
        }
        Assert.True(elsewhere >= 2, "no stream reached an instance on another node");
    }

    [SkippableFact, Step(5)]
    public async Task Closest_picks_the_local_instance_then_the_geographically_nearest_and_follows_lab_place()
    {
        lab.RequireUp();
        var svc = await lab.ServiceAsync();
        foreach (var family in new[] { 4, 6 })
            Assert.All(await CurlRun.GetAsync(lab, svc.Ip("closest", family), 10), o => Assert.Equal(lab.ClientNode, o.Answer?.Node));

        // Without a local instance, the nearer of the two other workers (great-circle distance) must win.
        var local = svc.Instances.Single(i => i.Node == lab.ClientNode);
        await lab.OakOk("undeploy", local.Id);
        var nodes = await NodesAsync();
        var others = svc.Instances.Where(i => i.Node != lab.ClientNode).Select(i => i.Node!).ToList();
        var nearest = others.MinBy(n => Km(nodes[lab.ClientNode], nodes[n]))!;
        var farthest = others.Single(n => n != nearest);
        log.WriteLine($"from {lab.ClientNode}: " + string.Join(", ", others.Select(n => $"{n} {Km(nodes[lab.ClientNode], nodes[n]):F0} km")));
        await ClosestSettlesOn(svc, nearest);

        // Move the farther one right next to the client's node: new flows must follow.
        var (lat, lon) = nodes[lab.ClientNode];
        await lab.OakOk("lab", "place", farthest, $"{lat + 0.001:F4}", $"{lon + 0.001:F4}");
        await ClosestSettlesOn(svc, farthest);
    }

    [SkippableFact, Step(6)]
    public async Task Migration_under_a_request_loop_loses_no_request_and_the_Instance_IP_then_answers_from_the_target()
    {
        lab.RequireUp();
        var svc = await lab.ServiceAsync();
        var moving = svc.Instances.First(i => i.Node == "w2" && i.Status == "Running");
        const string target = "w3";

        // 600 new connections at 20/s = 30 s of traffic through the RR IP; the migration happens in the middle.
        var loop = CurlRun.GetAsync(lab, svc.RoundRobinV4, 600, "20/s");
        await Task.Delay(TimeSpan.FromSeconds(4));
        var sw = Stopwatch.StartNew();
        await lab.OakOk("migrate", moving.Id, "--to", target);
        var after = await WaitFor(TimeSpan.FromSeconds(90), async () =>
        {
            var i = (await lab.ServiceAsync()).Instance(moving.Id);
            return i.Status == "Running" && i.Node == target ? i : null;
        }, $"{moving.Id} Running on {target}");
        log.WriteLine($"migration Running on {target} after {sw.Elapsed.TotalSeconds:F1} s");
        var outcomes = await loop;

        var failed = outcomes.Where(o => !o.Ok).ToList();
        log.WriteLine($"migration loop: {outcomes.Count} requests, {failed.Count} failed");
        Assert.True(failed.Count == 0, $"{failed.Count} of {outcomes.Count} requests failed during the migration: " +
            string.Join("; ", failed.GroupBy(f => f.ToString()).Select(g => $"{g.Count()}× {g.Key}")));
        Assert.Contains(outcomes, o => o.Answer!.Instance == moving.Id && o.Answer.Node == target);
        Assert.Equal(moving.Ipv4, after.Ipv4);
        Assert.Equal(moving.Ipv6, after.Ipv6);
        foreach (var family in new[] { 4, 6 })
            Assert.All(await CurlRun.GetAsync(lab, after.Ip(family), 5, localPorts: InstancePorts), o =>
            {
                Assert.True(o.Ok, o.ToString());
                Assert.Equal((moving.Id, target), (o.Answer!.Instance, o.Answer.Node));
            });
    }

    [SkippableFact, Step(7)]
    public async Task Migration_onto_the_clients_own_node_loses_no_request_to_the_Instance_IP()
    {
        lab.RequireUp();
        var svc = await lab.ServiceAsync();
        var moving = svc.Instances.First(i => i.Node != lab.ClientNode && i.Status == "Running" && i.Id != PinnedToVictim);
        var home = moving.Node!;
        var loop = CurlRun.GetAsync(lab, moving.Ipv4, 600, "20/s");
        await Task.Delay(TimeSpan.FromSeconds(4));
        try
        {
            await lab.OakOk("migrate", moving.Id, "--to", lab.ClientNode);
            var outcomes = await loop;
            var failed = outcomes.Where(o => !o.Ok).ToList();
            log.WriteLine($"migration onto {lab.ClientNode}: {outcomes.Count} requests to {moving.Ipv4}, {failed.Count} failed");
            Assert.True(failed.Count == 0, $"{failed.Count} of {outcomes.Count} requests failed: " +
                string.Join("; ", failed.GroupBy(f => f.ToString()).Select(g => $"{g.Count()}× {g.Key}")));
        }
        finally
        {
            // Put it back where the next step expects it, also when this step failed.
            await lab.OakOk("migrate", moving.Id, "--to", home);
            await WaitFor(TimeSpan.FromSeconds(90), async () => (await lab.ServiceAsync()).Instance(moving.Id) is { Status: "Running" } i && i.Node == home ? i : null,
                $"{moving.Id} Running on {home} again");
        }
    }

    // Instance 2 of the demo is pinned to w3 by its SLA (see LiveLabTests.WorkerLoss.cs).
    private const string PinnedToVictim = "demo.lab.demo.lab.2";

    [SkippableFact, Step(14)]
    public async Task Lab_down_leaves_no_namespace_no_bridge_and_no_lab_process()
    {
        lab.RequireUp();
        var namespaces = await Namespaces();
        var pids = new List<int>();
        foreach (var ns in namespaces)
            pids.AddRange((await Proc.RunAsync(lab.Repo, LiveLabFixture.Short, "ip", "netns", "pids", ns)).Out
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse));
        pids.AddRange(StatePids());
        Assert.NotEmpty(pids);

        var down = await lab.Oak(TimeSpan.FromMinutes(2), "lab", "down");
        Assert.True(down.ExitCode == 0, $"lab down: {down}");

        Assert.Empty(await Namespaces());
        var link = await Proc.RunAsync(lab.Repo, LiveLabFixture.Short, "ip", "link", "show", lab.Bridge);
        Assert.NotEqual(0, link.ExitCode);
        var alive = await WaitFor(TimeSpan.FromSeconds(15), () =>
            Task.FromResult(pids.Distinct().Where(p => Directory.Exists($"/proc/{p}")).ToList() is { Count: 0 } l ? l : null), "every lab process gone", orDefault: true);
        Assert.True(alive is not null, "still running after lab down: " + string.Join(", ", pids.Distinct().Where(p => Directory.Exists($"/proc/{p}"))
            .Select(p => $"{p} {File.ReadAllText($"/proc/{p}/cmdline").Replace('\0', ' ')}")));
    }

    // ---- helpers

    private async Task ClosestSettlesOn(ServiceView svc, string node)
    {
        foreach (var family in new[] { 4, 6 })
        {
            // The new distances reach the worker's tables asynchronously; once there, every new flow must go there.
            await WaitFor(TimeSpan.FromSeconds(60), async () =>
                (await CurlRun.GetAsync(lab, svc.Ip("closest", family), 1))[0] is { Ok: true } o && o.Answer!.Node == node ? o : null,
                $"Closest IPv{family} answering from {node}");
            Assert.All(await CurlRun.GetAsync(lab, svc.Ip("closest", family), 10), o =>
            {
                Assert.True(o.Ok, o.ToString());
                Assert.Equal(node, o.Answer!.Node);
            });
        }
    }

    private async Task<T> WaitFor<T>(TimeSpan timeout, Func<Task<T?>> probe, string what, bool orDefault = false, Func<string>? describe = null) where T : class
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } v) return v;
            if (sw.Elapsed > timeout)
            {
                if (orDefault) return null!;
                log.WriteLine(LabLogExcerpt.Of(lab.Repo));
                Assert.Fail($"not reached within {timeout.TotalSeconds} s: {what}" + (describe is null ? "" : $" ({describe()})"));
            }
            await Task.Delay(1000);
        }
    }

    private async Task<Dictionary<string, (double Lat, double Lon)>> NodesAsync()
    {
        using var doc = JsonDocument.Parse((await lab.OakOk("--json", "nodes")).Out);
        return doc.RootElement.EnumerateArray().ToDictionary(n => n.GetProperty("node").GetString()!,
            n => (n.GetProperty("latitude").GetDouble(), n.GetProperty("longitude").GetDouble()));
    }

    /// <summary>Great-circle distance (haversine), independent of the product's own computation.</summary>
    private static double Km((double Lat, double Lon) a, (double Lat, double Lon) b)
    {
        static double Rad(double d) => d * Math.PI / 180;
        var h = Math.Pow(Math.Sin(Rad(b.Lat - a.Lat) / 2), 2) + Math.Cos(Rad(a.Lat)) * Math.Cos(Rad(b.Lat)) * Math.Pow(Math.Sin(Rad(b.Lon - a.Lon) / 2), 2);
        return 2 * 6371 * Math.Asin(Math.Sqrt(h));
    }

    private JsonElement State() => JsonDocument.Parse(File.ReadAllText(Path.Combine(lab.Repo, ".lab/state.json"))).RootElement.Clone();

    private int WorkerPid(string node) =>
        State().GetProperty("processes").EnumerateArray().Single(p => p.GetProperty("name").GetString() == node).GetProperty("pid").GetInt32();

    private IEnumerable<int> StatePids() =>
        State().GetProperty("processes").EnumerateArray().Select(p => p.GetProperty("pid").GetInt32()).ToList();

    private async Task<List<string>> Namespaces() =>
        (await Proc.RunAsync(lab.Repo, LiveLabFixture.Short, "ip", "netns", "list")).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')[0]).Where(n => n.StartsWith(lab.Prefix, StringComparison.Ordinal)).ToList();
}
