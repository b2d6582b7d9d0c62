using System.Text.Json;
using System.Text.RegularExpressions;

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
    }

    private static double Value(string text, string name, params string[] labels)
    {
        foreach (Match m in Regex.Matches(text, $@"^{Regex.Escape(name)}(\{{(?<labels>[^}}]*)\}})? (?<value>\S+)( \d+)?$", RegexOptions.Multiline))
            if (labels.All(l => m.Groups["labels"].Value.Contains(l, StringComparison.Ordinal)))
                return double.Parse(m.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture);
        return double.NaN;
    }
}
