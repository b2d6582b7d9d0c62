using System.Text;
using Oakestra.Actors.Cli.Api;

namespace Oakestra.Actors.Cli.Output;

/// <summary>The tables users see for services, instances and nodes.</summary>
public static class Views
{
    public static string Services(IEnumerable<Service> services)
    {
        var list = services.ToList();
        var policies = list.SelectMany(s => s.ServiceIps ?? []).Select(ip => ip.Policy ?? "?").Distinct().Order(StringComparer.Ordinal).ToArray();
        var table = new Table(["service", "version", "instances", .. policies]);
        foreach (var s in list)
        {
            var cells = new List<object?> { s.Id, s.Version, InstanceCount(s) };
            foreach (var p in policies) cells.Add(Ips(s.ServiceIps?.FirstOrDefault(ip => ip.Policy == p)));
            table.Add([.. cells]);
        }
        return table.ToString();
    }

    public static string Service(Service s)
    {
        var sb = new StringBuilder();
        sb.Append("service:   ").Append(s.Id).Append('\n');
        sb.Append("version:   ").Append(s.Version).Append('\n');
        if (!string.IsNullOrEmpty(s.Code)) sb.Append("code:      ").Append(s.Code).Append('\n');
        if (s.Port is not null) sb.Append("port:      ").Append(s.Port).Append('\n');
        sb.Append('\n').Append(ServiceIps(s)).Append('\n');
        sb.Append(Instances(s.Instances ?? []));
        return sb.ToString();
    }

    public static string ServiceIps(Service s)
    {
        var table = new Table("policy", "service ipv4", "service ipv6");
        foreach (var ip in s.ServiceIps ?? []) table.Add(ip.Policy, ip.Ipv4, ip.Ipv6);
        return table.ToString();
    }

    public static string Instances(IEnumerable<Instance> instances)
    {
        var table = new Table("instance", "status", "instance ipv4", "instance ipv6", "node", "namespace ipv4", "epoch");
        foreach (var i in instances)
        {
            var node = i.Placement?.Node;
            if (i.MigrationTarget?.Node is { } target) node = $"{node ?? "-"}→{target}";
            table.Add(i.Id, i.Status, i.InstanceIpv4, i.InstanceIpv6, node, i.Placement?.NamespaceIpv4, i.Epoch);
        }
        if (table.Count == 0) return "(no instances)\n";
        // Why an instance was re-placed (exit code, reason, when): otherwise only the worker's log would say.
        var failures = instances.Where(i => i.LastFailure is not null)
            .Select(i => $"last failure of {i.Id} at {i.LastFailureAt?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "?"}: {i.LastFailure}"
                + (i.NextAttemptAt is { } next ? $"; next attempt {next.ToString("u", System.Globalization.CultureInfo.InvariantCulture)}" : "") + "\n");
        return table.ToString() + string.Concat(failures);
    }

    /// <summary>
    /// The workers as the root reports them (status Unreachable included). LAST HEARD appears once the root
    /// reports it for some node: a root that predates it gets the table it always had.
    /// </summary>
    public static string Nodes(IEnumerable<Node> nodes, DateTimeOffset now)
    {
        var list = nodes.ToList();
        string[] columns = ["cluster", "node", "status", "subnet v4", "subnet v6", "instances", "latitude", "longitude", "tunnel"];
        var heard = list.Any(n => n.LastHeard is not null);
        var table = new Table(heard ? [.. columns, "last heard"] : columns);
        foreach (var n in list)
        {
            object?[] cells = [n.Cluster, n.Name, n.Cordoned ? $"{n.Status},Cordoned" : n.Status, n.SubnetV4, n.SubnetV6, n.Instances, n.Latitude, n.Longitude, n.TunnelEndpoint];
            table.Add(heard ? [.. cells, Ago.Render(n.LastHeard, now)] : cells);
        }
        // Why a site refuses a worker (status Refused), under the table: too long for a column.
        return table + string.Concat(list.Where(n => n.Reason is { Length: > 0 }).Select(n => $"{n.Cluster}/{n.Name} refused: {n.Reason}\n"));
    }

    public static string HeldAddresses(IEnumerable<HeldAddress> held)
    {
        var table = new Table("pool", "address", "kind", "owner", "policy");
        foreach (var h in held) table.Add(h.Pool, h.Address, h.Kind, h.Owner, h.Policy);
        return table.ToString();
    }

    public static string Sites(IEnumerable<Site> sites, DateTimeOffset now)
    {
        var table = new Table("site", "link", "last heard", "queued", "nodes");
        foreach (var s in sites) table.Add(s.Name, s.Link, Ago.Render(s.LastHeard, now), s.QueuedReports, SiteNodes(s.Nodes));
        return table.ToString();
    }

    /// <summary>A count as it is; a list as its names (objects by their "node").</summary>
    private static string? SiteNodes(System.Text.Json.Nodes.JsonNode? nodes) => nodes switch
    {
        null => null,
        System.Text.Json.Nodes.JsonArray a => string.Join(",", a.Select(n => n is System.Text.Json.Nodes.JsonObject o ? o["node"]?.ToString() : n?.ToString())),
        _ => nodes.ToString(),
    };

    private static string InstanceCount(Service s)
    {
        var all = s.Instances ?? [];
        var live = all.Where(i => i.Status != "Stopped").ToList();
        return $"{live.Count(i => i.Status == "Running")}/{live.Count}";
    }

    private static string? Ips(ServiceIp? ip) => ip is null ? null : string.Join(" ", new[] { ip.Ipv4, ip.Ipv6 }.Where(a => !string.IsNullOrEmpty(a)));
}
