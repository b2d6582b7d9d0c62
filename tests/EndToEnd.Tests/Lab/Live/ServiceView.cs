using System.Text.Json;

namespace Oakestra.Actors.EndToEnd.Tests.Lab.Live;

/// <summary>What `oak --json service &lt;id&gt;` says about a service, reduced to what the tests look at.</summary>
public sealed record ServiceView(string RoundRobinV4, string RoundRobinV6, string ClosestV4, string ClosestV6, IReadOnlyList<InstanceView> Instances)
{
    public string Ip(string policy, int family) => (policy, family) switch
    {
        ("rr", 4) => RoundRobinV4, ("rr", 6) => RoundRobinV6,
        ("closest", 4) => ClosestV4, ("closest", 6) => ClosestV6,
        _ => throw new ArgumentException($"{policy}/{family}"),
    };

    public InstanceView Instance(string id) => Instances.Single(i => i.Id == id);

    public static ServiceView Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var ips = doc.RootElement.GetProperty("service_ips").EnumerateArray()
            .ToDictionary(e => e.GetProperty("policy").GetString()!, e => (v4: e.GetProperty("ipv4").GetString()!, v6: e.GetProperty("ipv6").GetString()!));
        var instances = doc.RootElement.GetProperty("instances").EnumerateArray().Select(i => new InstanceView(
            i.GetProperty("id").GetString()!,
            i.GetProperty("status").GetString()!,
            i.GetProperty("instance_ipv4").GetString()!,
            i.GetProperty("instance_ipv6").GetString()!,
            i.GetProperty("placement") is { ValueKind: JsonValueKind.Object } p ? p.GetProperty("node").GetString() : null)).ToList();
        return new ServiceView(ips["round_robin"].v4, ips["round_robin"].v6, ips["closest"].v4, ips["closest"].v6, instances);
    }
}

public sealed record InstanceView(string Id, string Status, string Ipv4, string Ipv6, string? Node)
{
    public string Ip(int family) => family == 4 ? Ipv4 : Ipv6;
}

/// <summary>One answer of the demo server (HTTP or UDP): who answered and whom it saw.</summary>
public sealed record DemoAnswer(string Instance, string Node, string Protocol, string SawSource, JsonElement Raw)
{
    /// <summary>The address part of saw_source ("10.30.0.5:4711" or "[fdff::1]:4711").</summary>
    public string SawHost => SawSource.StartsWith('[') ? SawSource[1..SawSource.IndexOf(']')] : SawSource[..SawSource.LastIndexOf(':')];
    public string SawPort => SawSource[(SawSource.LastIndexOf(':') + 1)..];

    public static DemoAnswer Parse(string line)
    {
        var raw = JsonDocument.Parse(line).RootElement.Clone();
        return new DemoAnswer(raw.GetProperty("instance").GetString()!, raw.GetProperty("node").GetString()!,
            raw.GetProperty("protocol").GetString()!, raw.GetProperty("saw_source").GetString()!, raw);
    }
}
