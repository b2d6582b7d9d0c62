using System.Text;
using System.Text.Json.Nodes;

namespace Oakestra.Actors.Cli.Output;

/// <summary>
/// `oak table &lt;node&gt;`: the worker's route table (Service IPs, where each Instance IP leads) and its data
/// plane's counters, as sections. Read from the JSON itself so a field a root lacks shows as "-", never a crash;
/// a document without the sections of docs/API.md falls back to the generic rendering.
/// </summary>
public static class NodeTableText
{
    public static string Render(JsonNode? doc)
    {
        if (doc is not JsonObject o || o["services"] is not JsonArray services || o["counters"] is not JsonObject counters)
            return GenericTable.Render(doc);

        var sb = new StringBuilder();
        var version = o["table_version"] is { } v ? $"table version {Str(v)}" : "no table published yet";
        var published = Str(o["published_at"]) is { } at ? $", published {at}" : "";
        sb.Append($"node {Str(o["node"]) ?? "?"} (site {Str(o["site"]) ?? "?"}): {version}{published}\n\n");

        sb.Append("ROUTES\n");
        if (services.Count == 0) sb.Append("(no services in the table)\n");
        else
        {
            var ips = new Table("service", "version", "policy", "service ipv4", "service ipv6");
            var targets = new Table("service", "instance", "instance ipv4", "instance ipv6", "status", "epoch", "via", "to");
            foreach (var s in services.OfType<JsonObject>())
            {
                var id = Str(s["service_id"]);
                foreach (var ip in (s["service_ips"] as JsonArray ?? []).OfType<JsonObject>())
                    ips.Add(id, Str(s["version"]), Str(ip["policy"]), Str(ip["ipv4"]), Str(ip["ipv6"]));
                foreach (var i in (s["instances"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    var via = Str(i["via"]);
                    var to = via switch
                    {
                        "local" => Join(Str(i["namespace_ipv4"]), Str(i["namespace_ipv6"])),
                        "tunnel" => $"{Str(i["node"]) ?? "?"} {Str(i["tunnel_endpoint"])}",
                        _ => "(dropped: no running placement)",
                    };
                    targets.Add(id, Short(Str(i["instance_id"]), id), Str(i["instance_ipv4"]), Str(i["instance_ipv6"]), Str(i["status"]), Str(i["epoch"]), via, to);
                }
            }
            sb.Append(ips).Append('\n');
            sb.Append(targets.Count == 0 ? "(no instances)\n" : targets.ToString());
        }

        if (o["local_instances"] is JsonArray { Count: > 0 } locals)
        {
            sb.Append("\nLOCAL INSTANCES\n");
            var t = new Table("instance", "instance ipv4", "namespace ipv4", "instance ipv6", "namespace ipv6", "epoch", "draining");
            foreach (var l in locals.OfType<JsonObject>())
                t.Add(Str(l["instance_id"]), Str(l["instance_ipv4"]), Str(l["namespace_ipv4"]), Str(l["instance_ipv6"]), Str(l["namespace_ipv6"]), Str(l["epoch"]), Str(l["draining"]));
            sb.Append(t);
        }

        if (o["refused"] is JsonArray { Count: > 0 } refused)
        {
            sb.Append("\nREFUSED (left out of the table; the rest is forwarded by)\n");
            var t = new Table("entry", "reason");
            foreach (var r in refused.OfType<JsonObject>()) t.Add(Str(r["entry"]), Str(r["reason"]));
            sb.Append(t);
        }

        if (o["peers"] is JsonArray { Count: > 0 } peers)
        {
            sb.Append("\nPEERS\n");
            var t = new Table("site", "node", "tunnel endpoint", "rtt ms");
            foreach (var p in peers.OfType<JsonObject>()) t.Add(Str(p["site"]), Str(p["node"]), Str(p["tunnel_endpoint"]), Str(p["rtt_ms"]));
            sb.Append(t);
        }

        sb.Append($"\nCOUNTERS (data plane: {Str(counters["source"]) ?? "?"})\n");
        var c = new Table("counter", "value");
        foreach (var name in new[]
                 {
                     "flows_active", "packets_in", "packets_out", "packets_translated", "tunnel_packets_in", "tunnel_datagrams_out",
                     "misses_queued", "misses_reported", "misses_expired", "misses_waiting", "dropped_total",
                 })
            c.Add(name.Replace('_', ' '), Str(counters[name]));
        sb.Append(c);
        var drops = (counters["drops"] as JsonObject ?? []).Where(d => d.Value is JsonValue dv && dv.TryGetValue<long>(out var n) && n != 0).ToArray();
        sb.Append('\n');
        if (drops.Length == 0) sb.Append("drops: none\n");
        else
        {
            var d = new Table("drop reason", "packets");
            foreach (var (reason, n) in drops.OrderByDescending(x => x.Value!.GetValue<long>())) d.Add(reason, Str(n));
            sb.Append(d);
        }
        return sb.ToString();
    }

    private static string? Str(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };

    private static string? Join(string? a, string? b) => string.Join(" ", new[] { a, b }.Where(x => !string.IsNullOrEmpty(x)));

    /// <summary>"app.ns.svc.ns.2" under service "app.ns.svc.ns" shows as ".2": the service column already says the rest.</summary>
    private static string? Short(string? instance, string? service) =>
        instance is not null && service is not null && instance.StartsWith(service + ".", StringComparison.Ordinal) ? instance[service.Length..] : instance;
}
