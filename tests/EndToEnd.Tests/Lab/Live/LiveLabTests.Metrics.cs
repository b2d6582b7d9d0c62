using static Oakestra.Actors.Tests.Shared.PrometheusText;
using System.Text.Json;

namespace Oakestra.Actors.EndToEnd.Tests.Lab.Live;

public sealed partial class LiveLabTests
{
    /// <summary>
    /// Each orchestrator and worker serves /metrics at the address `oak lab status` prints (docs/METRICS.md), and the
    /// client's worker counts the packets of the client's requests in <c>oak_dataplane_packets_total</c>.
    /// </summary>
    [SkippableFact, Step(2)]
    public async Task Metrics_of_every_site_process_answer_and_the_client_workers_packet_counters_move_with_traffic()
    {
        lab.RequireUp();
        var svc = await lab.ServiceAsync();
        using var status = JsonDocument.Parse((await lab.OakOk("lab", "status", "--json")).Out);
        var metrics = status.RootElement.GetProperty("processes").EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => (Role: p.GetProperty("role").GetString()!, Url: p.GetProperty("metrics").GetString()!));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        foreach (var (name, p) in metrics.Where(m => m.Value.Role != "root"))
        {
            var text = await http.GetStringAsync(p.Url);
            Assert.Matches($@"oak_build_info\{{[^}}]*role=""{p.Role}""", text);
        }

        var client = metrics[lab.ClientNode].Url;
        var before = await http.GetStringAsync(client);
        var outBefore = Value(before, "oak_dataplane_packets_total", "direction=\"in\"", "path=\"tun\"");
        Assert.False(double.IsNaN(outBefore), $"no oak_dataplane_packets_total{{direction=\"in\",path=\"tun\"}} at {client}:\n{before}");
        Assert.True(Value(before, "oak_worker_table_version") > 0, before);

        Assert.All(await CurlRun.GetAsync(lab, svc.RoundRobinV4, 20), o => Assert.True(o.Ok, o.ToString()));

        await Task.Delay(300); // the endpoint reads the counters at most every 250 ms
        var after = await http.GetStringAsync(client);
        var outAfter = Value(after, "oak_dataplane_packets_total", "direction=\"in\"", "path=\"tun\"");
        log.WriteLine($"{lab.ClientNode} oak_dataplane_packets_total{{direction=\"in\",path=\"tun\"}}: {outBefore} → {outAfter}");
        // 20 HTTP exchanges are at least 20 × (SYN, request, FIN) packets from the client into the TUN.
        Assert.True(outAfter >= outBefore + 60, $"packets in from the TUN went from {outBefore} to {outAfter} over 20 requests");
        Assert.True(Value(after, "oak_dataplane_flows_active") >= 0);

        // Readiness beside the metrics: every site process is ready, a worker with its real TUN and loop.
        foreach (var (name, p) in metrics.Where(m => m.Value.Role != "root"))
        {
            var (code, checks) = await Health(http, HealthUrl(p.Url, "ready"));
            Assert.True(code == 200, $"{name} not ready: {string.Join("; ", checks)}");
            if (p.Role == "worker") Assert.Equal(("ok", "forwarding"), checks["data-plane"]);
        }
    }

    /// <summary>
    /// Readiness follows the packet path: a worker whose TUN device is deleted under it answers 503 naming it (its
    /// liveness stays ok); started again, it makes a new TUN and is ready again.
    /// </summary>
    [SkippableFact, Step(11)]
    public async Task A_worker_whose_TUN_is_gone_is_not_ready_until_it_is_started_again()
    {
        lab.RequireUp();
        var svc = await lab.ServiceAsync();
        var node = svc.Instances.Where(i => i.Status == "Running" && i.Node != lab.ClientNode && i.Id != PinnedToVictim)
            .OrderBy(i => i.Node == Victim).First().Node!;
        using var status = JsonDocument.Parse((await lab.OakOk("lab", "status", "--json")).Out);
        var url = status.RootElement.GetProperty("processes").EnumerateArray().Single(p => p.GetProperty("name").GetString() == node).GetProperty("metrics").GetString()!;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        Assert.Equal(200, (await Health(http, HealthUrl(url, "ready"))).Code);

        var del = await Proc.RunAsync(lab.Repo, LiveLabFixture.Short, "ip", "netns", "exec", lab.Prefix + node, "ip", "link", "del", "oak0");
        Assert.True(del.ExitCode == 0, $"ip link del oak0 in {lab.Prefix}{node}: {del}");
        var (code, checks) = await Health(http, HealthUrl(url, "ready"));
        Assert.Equal(503, code);
        Assert.Equal("unhealthy", checks["data-plane"].Status);
        Assert.Contains("oak0", checks["data-plane"].Description);
        Assert.Equal(200, (await Health(http, HealthUrl(url, "live"))).Code);

        await lab.OakOk("lab", "kill", node, "--signal", "KILL");
        await lab.OakOk("lab", "start", node);
        await WaitFor(TimeSpan.FromSeconds(60), async () =>
        {
            try { return (await Health(http, HealthUrl(url, "ready"))).Code == 200 ? "" : null; }
            catch (HttpRequestException) { return null; } // not listening yet
        }, $"{node} ready again after its start");
        Assert.All(await CurlRun.GetAsync(lab, svc.RoundRobinV4, 20), o => Assert.True(o.Ok, o.ToString()));
    }

    private static string HealthUrl(string metricsUrl, string which) => metricsUrl[..^"/metrics".Length] + "/health/" + which;

    private static async Task<(int Code, Dictionary<string, (string Status, string? Description)> Checks)> Health(HttpClient http, string url)
    {
        var r = await http.GetAsync(url);
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        return ((int)r.StatusCode, doc.RootElement.GetProperty("checks").EnumerateArray().ToDictionary(
            c => c.GetProperty("name").GetString()!, c => (c.GetProperty("status").GetString()!, c.GetProperty("description").GetString())));
    }

}
