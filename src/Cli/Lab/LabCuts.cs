using System.Text;
using System.Text.Json.Nodes;
using Oakestra.Actors.Cli.Api;
using Oakestra.Actors.Cli.Parsing;

namespace Oakestra.Actors.Cli.Lab;

/// <summary>
/// `oak lab cut A B` and `oak lab heal`: a network partition between two sets of lab nodes, made with one
/// nftables table of the lab's own (<see cref="Table"/>) in each affected node namespace and nowhere else.
/// Each such table drops, in both directions and before connection tracking (so open connections stall too),
/// every IPv4 and IPv6 packet from or to the addresses of the nodes on the other side of any cut.
/// The tables are rewritten from the recorded cuts as a whole, so cutting twice or healing twice changes nothing.
/// </summary>
public static class LabCuts
{
    public const string Table = "oaklab_chaos";

    /// <summary>
    /// What a side of a cut names: a process (<c>w1</c>, <c>o1</c>, <c>root2</c>), a site (<c>site1</c>: its
    /// orchestrator and workers), <c>root</c> (the root tier: every root) or <c>root1</c> (the first root alone).
    /// </summary>
    public static IReadOnlyList<string> Side(LabState state, string name)
    {
        var roots = state.Nodes.Where(n => n.Role == LabRole.Root).Select(n => n.Name).ToList();
        if (name == "root") return roots;
        if (name == "root1" && roots.Count > 0) return [roots[0]];
        if (state.Nodes.Any(n => n.Name == name)) return [name];
        var site = state.Nodes.Where(n => n.Role != LabRole.Root && n.Site == name).OrderBy(n => n.Role).Select(n => n.Name).ToList();
        if (site.Count > 0) return site;
        var sites = state.Nodes.Where(n => n.Role == LabRole.Orchestrator).Select(n => n.Site);
        throw new UsageException($"no lab process or site named '{name}' (cut takes root, {string.Join(", ", state.Nodes.Select(n => n.Name).Concat(sites).Distinct())})");
    }

    /// <summary>Records the cut and writes the tables. Returns the new state and whether the cut is new.</summary>
    public static (LabState State, LabCut Cut, bool New) Cut(LabPaths paths, string a, string b)
    {
        RequireNft();
        LabCut? cut = null;
        var isNew = false;
        var state = LabState.Update(paths, s =>
        {
            var x = Side(s, a);
            var y = Side(s, b);
            if (x.Intersect(y).FirstOrDefault() is { } both)
                throw new UsageException($"{a} and {b} both contain {both}: a cut needs two separate sides");
            cut = s.ActiveCuts.FirstOrDefault(c => c.Joins(x, y));
            if (cut is not null) return s;
            cut = new LabCut(a, b, x, y);
            isNew = true;
            var next = s with { Cuts = [.. s.ActiveCuts, cut] };
            Write(next);
            return next;
        });
        return (state, cut!, isNew);
    }

    /// <summary>Removes every cut: the table goes from every node namespace of the lab. Returns the cuts that were active.</summary>
    public static IReadOnlyList<LabCut> Heal(LabPaths paths)
    {
        RequireNft();
        IReadOnlyList<LabCut> healed = [];
        LabState.Update(paths, s =>
        {
            healed = s.ActiveCuts;
            var next = s with { Cuts = [] };
            Write(next);
            return next;
        });
        return healed;
    }

    private static void RequireNft()
    {
        if (!File.Exists("/usr/sbin/nft") && !File.Exists("/sbin/nft"))
            throw new CliFailure("cuts need nft (Debian package nftables; .ci/install-prerequisites installs it)");
    }

    /// <summary>Every node namespace gets the table its cuts call for, or none.</summary>
    private static void Write(LabState state)
    {
        var peers = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var c in state.ActiveCuts)
            foreach (var (side, other) in new[] { (c.ANodes, c.BNodes), (c.BNodes, c.ANodes) })
                foreach (var n in side)
                {
                    if (!peers.TryGetValue(n, out var set)) peers[n] = set = new HashSet<string>(StringComparer.Ordinal);
                    set.UnionWith(other);
                }
        var addresses = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        IReadOnlyList<string> AddressesOf(string node) =>
            addresses.TryGetValue(node, out var a) ? a : addresses[node] = Addresses(state, node);

        foreach (var node in state.Nodes.Select(n => n.Name))
        {
            var ns = state.Prefix + node;
            if (!File.Exists(Path.Combine("/run/netns", ns))) continue;
            var script = peers.TryGetValue(node, out var p) ? Script(p.Order(StringComparer.Ordinal).SelectMany(AddressesOf).Distinct().ToList()) : Removal;
            var r = Shell.Run("ip", ["netns", "exec", ns, "nft", "-f", "-"], script);
            if (!r.Ok) throw new CliFailure($"nft in {ns} failed: {r.Stderr.Trim()}");
        }
    }

    /// <summary>Creating then deleting in one transaction: removes the table whether or not it exists.</summary>
    private const string Removal = $"table inet {Table}\ndelete table inet {Table}\n";

    public static string Script(IReadOnlyList<string> peerAddresses)
    {
        var v4 = peerAddresses.Where(a => !a.Contains(':')).ToList();
        var v6 = peerAddresses.Where(a => a.Contains(':')).ToList();
        var sb = new StringBuilder(Removal);
        sb.Append($"table inet {Table} {{\n");
        foreach (var (chain, hook, dir) in new[] { ("from_peers", "prerouting", "saddr"), ("to_peers", "output", "daddr") })
        {
            sb.Append($"  chain {chain} {{\n    type filter hook {hook} priority raw; policy accept;\n");
            if (v4.Count > 0) sb.Append($"    ip {dir} {{ {string.Join(", ", v4)} }} drop\n");
            if (v6.Count > 0) sb.Append($"    ip6 {dir} {{ {string.Join(", ", v6)} }} drop\n");
            sb.Append("  }\n");
        }
        sb.Append("}\n");
        return sb.ToString();
    }

    /// <summary>
    /// A node's addresses on the lab bridge: the IPv4 the lab gave it and whatever its eth0 carries now (its IPv6
    /// link-local address included), read from the kernel so that no address of the node escapes the cut.
    /// </summary>
    private static IReadOnlyList<string> Addresses(LabState state, string node)
    {
        var list = new List<string> { state.Nodes.Single(n => n.Name == node).Ipv4 };
        var r = Shell.Run("ip", "-j", "-n", state.Prefix + node, "addr", "show", "dev", "eth0");
        if (r.Ok && JsonNode.Parse(r.Stdout) is JsonArray links)
            foreach (var info in links.OfType<JsonObject>().SelectMany(l => l["addr_info"] as JsonArray ?? []).OfType<JsonObject>())
                if (info["local"]?.GetValue<string>() is { Length: > 0 } local && !list.Contains(local)) list.Add(local);
        return list;
    }

    /// <summary>Which node namespaces hold the lab's table right now (what `heal` and `down` must leave empty).</summary>
    public static IReadOnlyList<string> NamespacesWithTable(string prefix) =>
        LabFabric.Namespaces(prefix).Where(ns => Shell.Run("ip", "netns", "exec", ns, "nft", "list", "table", "inet", Table).Ok).ToList();
}
