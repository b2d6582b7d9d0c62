using System.Net;
using Oakestra.Actors.Cli.Api;

namespace Oakestra.Actors.Cli.Lab;

/// <summary>
/// The lab's "physical network": a bridge in the host namespace (host side <c>.254/24</c>) and one network
/// namespace per node, each with a veth whose inner end is <c>eth0</c> carrying the node's address.
/// Only <c>ip</c> commands; no processes. <see cref="Remove"/> deletes everything carrying the prefix,
/// including instance namespaces a worker created (<c>{prefix}{node}-i{N}</c>).
/// </summary>
public static class LabFabric
{
    /// <summary>Refuses when the subnet is already routed here or the bridge already exists.</summary>
    public static void CheckFree(LabLayout layout)
    {
        if (LinkExists(layout.Bridge))
            throw new CliFailure($"a link named {layout.Bridge} already exists (a lab left over? `oak lab down` removes it)");
        var lab = IPNetwork.Parse($"{layout.Subnet}.0/24");
        foreach (var line in Shell.Check("ip", "-4", "route", "show", "table", "all").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var dest = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(w => w.Length > 0 && char.IsDigit(w[0]));
            if (dest is null || line.StartsWith("default", StringComparison.Ordinal)) continue;
            if (!IPNetwork.TryParse(dest.Contains('/') ? dest : dest + "/32", out var net)) continue;
            if (Overlaps(net, lab))
                throw new CliFailure($"{lab} is already in use on this machine (route: {line.Trim()}); the lab needs it for itself");
        }
    }

    public static bool Overlaps(IPNetwork a, IPNetwork b) =>
        a.Contains(b.BaseAddress) || b.Contains(a.BaseAddress);

    /// <summary>Creates bridge, namespaces, veths and addresses. On failure, removes what it made.</summary>
    public static void Create(LabLayout layout)
    {
        try
        {
            Shell.Check("ip", "link", "add", layout.Bridge, "type", "bridge");
            Shell.Check("ip", "addr", "add", $"{layout.HostAddress}/24", "dev", layout.Bridge);
            Shell.Check("ip", "link", "set", layout.Bridge, "up");
            foreach (var node in layout.Nodes) AddNamespace(layout, node.Namespace(layout.Prefix), node.Ipv4);
        }
        catch
        {
            Remove(layout.Prefix, layout.Bridge);
            throw;
        }
    }

    /// <summary>One namespace on the bridge: veth (host end named like the namespace), eth0 with <paramref name="ipv4"/>/24, lo up.</summary>
    public static void AddNamespace(LabLayout layout, string ns, string ipv4)
    {
        Shell.Check("ip", "netns", "add", ns);
        // Host end named like the namespace (unique, carries the prefix); the inner end is created in place as eth0.
        Shell.Check("ip", "link", "add", ns, "type", "veth", "peer", "name", "eth0", "netns", ns);
        Shell.Check("ip", "link", "set", ns, "master", layout.Bridge, "up");
        Shell.Check("ip", "-n", ns, "link", "set", "lo", "up");
        Shell.Check("ip", "-n", ns, "addr", "add", $"{ipv4}/24", "dev", "eth0");
        Shell.Check("ip", "-n", ns, "link", "set", "eth0", "up");
    }

    /// <summary>Names of the network namespaces carrying the prefix.</summary>
    public static IReadOnlyList<string> Namespaces(string prefix) =>
        Shell.Run("ip", "netns", "list").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')[0]).Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToList();

    /// <summary>Pids of processes living in a namespace (what <c>ip netns pids</c> reports).</summary>
    public static IReadOnlyList<int> Pids(string ns) =>
        Shell.Run("ip", "netns", "pids", ns).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => int.TryParse(s.Trim(), out var p) ? p : 0).Where(p => p > 0).ToList();

    public static bool LinkExists(string name) => Shell.Run("ip", "link", "show", "dev", name).Ok;

    /// <summary>Deletes every prefixed namespace, prefixed host link and the bridge. Returns what it removed.</summary>
    public static IReadOnlyList<string> Remove(string prefix, string bridge)
    {
        var removed = new List<string>();
        foreach (var ns in Namespaces(prefix))
            if (Shell.Run("ip", "netns", "del", ns).Ok) removed.Add($"netns {ns}");
        var links = Shell.Run("ip", "-o", "link", "show").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(':', 3)).Where(p => p.Length >= 2).Select(p => p[1].Trim().Split('@')[0])
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal));
        foreach (var link in links)
            if (Shell.Run("ip", "link", "del", link).Ok) removed.Add($"link {link}");
        if (LinkExists(bridge) && Shell.Run("ip", "link", "del", bridge).Ok) removed.Add($"bridge {bridge}");
        // The workers' instance cgroups (Oak:Node:Sandbox:CgroupParent, default oakestra; v1 per controller) carry
        // the instance namespaces' names and are empty once the processes above are gone.
        foreach (var parent in new[] { "memory", "cpu", "pids", "" }.Select(c => Path.Combine("/sys/fs/cgroup", c, "oakestra")).Where(Directory.Exists))
            foreach (var group in Directory.EnumerateDirectories(parent, prefix + "*"))
                try { Directory.Delete(group); removed.Add($"cgroup {group}"); } catch (IOException) { }
        return removed;
    }
}
