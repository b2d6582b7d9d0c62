using System.Net;
using System.Net.Sockets;
using Oakestra.Actors.WorkerNode.Shell;

namespace Oakestra.Actors.WorkerNode.NodeNetwork;

/// <summary>
/// Host side of one worker node: the instance bridge with both gateways, forwarding, and the service ranges
/// routed into the data plane's TUN. Setup is idempotent (replace, not add) so it also repairs a node left by a
/// crashed run; teardown removes routes and bridge, tolerating a partial setup.
/// </summary>
public sealed class NodeNetworkSetup(NodeNetworkOptions options, NodeShell shell)
{
    private ICommandRunner Node => shell.InNode;

    public NodeNetworkOptions Options => options;

    public async Task SetUpAsync(CancellationToken ct = default)
    {
        options.Validate();
        var subnet = options.Subnet;

        // Forwarding: packets the TUN writes (source = Instance IP 10.30.x.y) must be forwarded to the bridge,
        // and instances' replies to 10.30.x.y forwarded into the TUN.
        // rp_filter: the effective value is max(all, device). Strict mode would be satisfied here (the
        // service ranges route back to the TUN), but loose/strict defaults inherited from the host differ
        // between distributions, and a TUN re-created by the data plane loses its routes for a moment:
        // reverse-path filtering must never silently drop translated packets, so it is off in this namespace.
        // accept_dad=0 on all/default: the bridge, the veth host ends and their link-local addresses are usable
        // at once instead of ~1 s later (our own addresses are also added with nodad).
        await Node.RunAsync(["sysctl", "-q", "-w",
            "net.ipv4.ip_forward=1",
            "net.ipv6.conf.all.forwarding=1",
            "net.ipv4.conf.all.rp_filter=0",
            "net.ipv4.conf.default.rp_filter=0",
            "net.ipv6.conf.all.accept_dad=0",
            "net.ipv6.conf.default.accept_dad=0"], ct).ConfigureAwait(false);

        if (!await Links.ExistsAsync(Node, options.BridgeName, ct).ConfigureAwait(false))
            await Node.RunAsync(["ip", "link", "add", "name", options.BridgeName, "type", "bridge"], ct).ConfigureAwait(false);
        // Strict on the bridge only: what enters from an instance must come from the bridge's subnet (its own
        // Namespace IP; the nft guard checks which one). Translated packets enter through the TUN, which stays 0.
        await Node.RunAsync(["sysctl", "-q", "-w",
            $"net.ipv4.conf.{options.BridgeName}.rp_filter=1",
            $"net.ipv6.conf.{options.BridgeName}.accept_dad=0"], ct).ConfigureAwait(false);
        await Node.RunAsync(["ip", "-4", "addr", "replace", $"{subnet.GatewayIpv4}/{subnet.Ipv4.PrefixLength}", "dev", options.BridgeName], ct).ConfigureAwait(false);
        await Node.RunAsync(["ip", "-6", "addr", "replace", $"{subnet.GatewayIpv6}/{subnet.Ipv6.PrefixLength}", "dev", options.BridgeName, "nodad"], ct).ConfigureAwait(false);
        await Node.RunAsync(["ip", "link", "set", "dev", options.BridgeName, "up"], ct).ConfigureAwait(false);

        // The TUN is owned by the data plane; we only bring it up (routes need an up device) and route into it.
        await Node.RunAsync(["sysctl", "-q", "-w", $"net.ipv4.conf.{options.TunName}.rp_filter=0"], ct).ConfigureAwait(false);
        await Node.RunAsync(["ip", "link", "set", "dev", options.TunName, "up"], ct).ConfigureAwait(false);
        foreach (var range in options.ServiceRanges)
            await Node.RunAsync(["ip", Family(range), "route", "replace", range.ToString(), "dev", options.TunName], ct).ConfigureAwait(false);
    }

    /// <summary>Removes the service routes and the bridge (with its addresses). Safe after a partial or no setup.
    /// Forwarding sysctls stay as they are: they belong to the node namespace, not to anything we created.</summary>
    public async Task TearDownAsync(CancellationToken ct = default)
    {
        options.Validate();
        if (await Links.ExistsAsync(Node, options.TunName, ct).ConfigureAwait(false))
        {
            foreach (var range in options.ServiceRanges)
            {
                var shown = await Node.RunAsync(["ip", Family(range), "route", "show", "exact", range.ToString(), "dev", options.TunName], ct).ConfigureAwait(false);
                if (shown.StandardOutput.Trim().Length > 0)
                    await Node.RunAsync(["ip", Family(range), "route", "del", range.ToString(), "dev", options.TunName], ct).ConfigureAwait(false);
            }
        }
        await Links.DeleteIfExistsAsync(Node, options.BridgeName, ct).ConfigureAwait(false);
    }

    private static string Family(IPNetwork range) =>
        range.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? "-4" : "-6";
}
