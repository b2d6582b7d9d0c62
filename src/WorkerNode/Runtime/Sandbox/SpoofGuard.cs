using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Oakestra.Actors.WorkerNode.Shell;

namespace Oakestra.Actors.WorkerNode.Runtime.Sandbox;

/// <summary>
/// Anti-spoofing for co-located instances: an nftables table of the bridge family in the node namespace whose
/// prerouting chain sends every frame from a port named with the veth prefix to that port's own chain, which lets
/// through only the instance's MAC, its Namespace IPv4 (IP and ARP) and IPv6 (plus link-local neighbour discovery
/// whose target is its own address or link-local), and drops the rest. A port without its chain (not set up yet,
/// or left by a crash) is dropped. The bridge family is needed because frames between two instances are switched
/// by the bridge and never reach the inet hooks.
/// </summary>
internal sealed class SpoofGuard(ICommandRunner inNode, string table, string vethPrefix, string scriptDirectory)
{
    private int _availability; // 0 unknown, 1 available, -1 missing

    /// <summary>Raised once when nft cannot be run: instances then run unguarded.</summary>
    public event Action<string>? Unavailable;

    /// <summary>
    /// Replaces the whole table in one nft transaction with chains for <paramref name="ports"/> only: what a
    /// crashed worker left goes, the adopted instances stay guarded without a gap.
    /// </summary>
    public Task ResetAsync(IEnumerable<GuardedPort> ports, CancellationToken ct)
    {
        var script = new StringBuilder();
        script.Append(CultureInfo.InvariantCulture, $"table bridge {table} {{}}\ndelete table bridge {table}\n");
        script.Append(CultureInfo.InvariantCulture, $$"""
            table bridge {{table}} {
              map ports { type ifname : verdict; }
              chain prerouting {
                type filter hook prerouting priority -200; policy accept;
                iifname vmap @ports
                iifname "{{vethPrefix}}*" drop
              }
            }

            """);
        foreach (var port in ports) AppendPort(script, port);
        return ApplyAsync(script.ToString(), ct);
    }

    /// <summary>Installs the port's rules; the table is created when a reset has not made it yet.</summary>
    public async Task AddAsync(GuardedPort port, CancellationToken ct)
    {
        if (!await IsAvailableAsync(ct).ConfigureAwait(false)) return;
        var exists = (await inNode.TryRunAsync(["nft", "list", "table", "bridge", table], ct).ConfigureAwait(false)).Succeeded;
        if (!exists) await ResetAsync([], ct).ConfigureAwait(false);
        var script = new StringBuilder();
        AppendPort(script, port);
        await ApplyAsync(script.ToString(), ct).ConfigureAwait(false);
    }

    /// <summary>Removes the port's rules (nothing when they are not there).</summary>
    public async Task RemoveAsync(string veth, CancellationToken ct)
    {
        if (!await IsAvailableAsync(ct).ConfigureAwait(false)) return;
        await inNode.TryRunAsync(["nft", "delete", "element", "bridge", table, "ports", $"{{ \"{veth}\" }}"], ct).ConfigureAwait(false);
        await inNode.TryRunAsync(["nft", "delete", "chain", "bridge", table, Chain(veth)], ct).ConfigureAwait(false);
    }

    /// <summary>Removes the table (worker teardown with `OnExit: stop`, tests).</summary>
    public async Task DeleteAsync(CancellationToken ct)
    {
        if (await IsAvailableAsync(ct).ConfigureAwait(false))
            await inNode.TryRunAsync(["nft", "delete", "table", "bridge", table], ct).ConfigureAwait(false);
    }

    public async Task<bool> IsAvailableAsync(CancellationToken ct)
    {
        if (_availability != 0) return _availability > 0;
        try
        {
            var probe = await inNode.TryRunAsync(["nft", "--version"], ct).ConfigureAwait(false);
            _availability = probe.Succeeded ? 1 : -1;
            if (!probe.Succeeded) Unavailable?.Invoke($"nft does not run ({probe.StandardError.Trim()}): co-located instances are not kept from sending as each other");
        }
        catch (CommandFailedException e)
        {
            _availability = -1;
            Unavailable?.Invoke($"nft is not installed ({e.Message}): co-located instances are not kept from sending as each other");
        }
        return _availability > 0;
    }

    private async Task ApplyAsync(string script, CancellationToken ct)
    {
        if (!await IsAvailableAsync(ct).ConfigureAwait(false)) return;
        // nft -f applies a file as one transaction; the runner gives commands no stdin, so it goes through a file.
        Directory.CreateDirectory(scriptDirectory);
        var path = Path.Combine(scriptDirectory, $"guard-{Guid.NewGuid():N}.nft");
        await File.WriteAllTextAsync(path, script, ct).ConfigureAwait(false);
        try { await inNode.RunAsync(["nft", "-f", path], ct).ConfigureAwait(false); }
        finally { File.Delete(path); }
    }

    private void AppendPort(StringBuilder s, GuardedPort port)
    {
        if (port.Ipv4.AddressFamily != AddressFamily.InterNetwork || port.Ipv6.AddressFamily != AddressFamily.InterNetworkV6)
            throw new ArgumentException("a guarded port needs an IPv4 and an IPv6 address", nameof(port));
        var chain = Chain(port.Veth);
        var target = "0x" + Convert.ToHexString(port.Ipv6.GetAddressBytes()).ToLowerInvariant();
        s.Append(CultureInfo.InvariantCulture, $$"""
            add chain bridge {{table}} {{chain}}
            flush chain bridge {{table}} {{chain}}
            add rule bridge {{table}} {{chain}} ether saddr != {{port.Mac}} drop
            add rule bridge {{table}} {{chain}} ether type arp arp saddr ether != {{port.Mac}} drop
            add rule bridge {{table}} {{chain}} ether type arp arp saddr ip != {{port.Ipv4}} drop
            add rule bridge {{table}} {{chain}} ether type arp accept
            add rule bridge {{table}} {{chain}} ether type ip ip saddr {{port.Ipv4}} accept
            add rule bridge {{table}} {{chain}} ether type ip6 icmpv6 type nd-neighbor-advert @th,64,16 & 0xffc0 != 0xfe80 @th,64,128 != {{target}} drop
            add rule bridge {{table}} {{chain}} ether type ip6 ip6 saddr {{port.Ipv6}} accept
            add rule bridge {{table}} {{chain}} ether type ip6 ip6 saddr { fe80::/10, :: } icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert, mld-listener-report, mld2-listener-report } accept
            add rule bridge {{table}} {{chain}} drop
            add element bridge {{table}} ports { "{{port.Veth}}" : jump {{chain}} }

            """);
    }

    private static string Chain(string veth) => "port_" + veth;

    /// <summary>The MAC of <c>eth0</c> in an instance namespace, from <c>ip -j link</c>.</summary>
    public static async Task<string> MacOfAsync(ICommandRunner mounts, string netns, CancellationToken ct)
    {
        var json = (await mounts.RunAsync(["ip", "-n", netns, "-j", "link", "show", "dev", "eth0"], ct).ConfigureAwait(false)).StandardOutput;
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        var mac = doc.RootElement[0].GetProperty("address").GetString() ?? throw new InvalidOperationException($"eth0 in {netns} has no MAC");
        return PhysicalAddressText(mac);
    }

    private static string PhysicalAddressText(string mac) =>
        mac.Length == 17 && mac.All(c => Uri.IsHexDigit(c) || c == ':') ? mac.ToLowerInvariant() : throw new FormatException($"'{mac}' is not a MAC address");
}
