using Oakestra.Actors.WorkerNode.NodeNetwork;

namespace Oakestra.Actors.WorkerNode.Runtime;

/// <summary>Configuration of one node's instance runtime.</summary>
public sealed record InstanceRuntimeOptions(string NodeName, NodeSubnet Subnet, string StateDirectory)
{
    /// <summary>The node bridge the veth host ends join (see <see cref="NodeNetworkOptions.BridgeName"/>).</summary>
    public string BridgeName { get; init; } = "oak-br0";

    /// <summary>Instance netns are named prefix + slot. Netns names are global on the machine, so the default
    /// includes the node name; cleanup of a crashed run removes every netns with this prefix.</summary>
    public string? NamespacePrefix { get; init; }

    /// <summary>Veth host ends are named prefix + slot inside the node namespace (IFNAMSIZ: ≤ 15 chars in total).</summary>
    public string VethPrefix { get; init; } = "oakv";

    /// <summary>
    /// The instance's eth0 MTU: what fits a 1500-byte underlay once sealed. Tunnel overhead on an IPv6 underlay is
    /// 40 + 8 (outer IPv6, UDP) + 24 (tunnel header) + 16 (AEAD tag) = 88, so 1412; the 1450 before the seal would
    /// make every full-size packet 1518–1538 bytes on the wire, i.e. two fragments.
    /// </summary>
    public int Mtu { get; init; } = DefaultMtu;

    public const int DefaultMtu = 1412;

    public TimeSpan StopGracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan ReadinessTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan ReadinessPollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    public int LogTailLines { get; init; } = 20;

    /// <summary>
    /// Mount namespace (e.g. <c>/proc/1/ns/mnt</c>) in which named instance netns are created and deleted.
    /// Null: this process's own. A worker started with <c>ip netns exec</c> lives in a private, slave mount
    /// namespace: netns it names there are invisible to the rest of the machine (and die with the worker).
    /// Creating them in the machine's mount namespace makes them visible everywhere; mounts propagate from
    /// there into the worker's slave copy of /run/netns, so the worker still sees them.
    /// </summary>
    public string? NetnsMountNamespace { get; init; }

    /// <summary>The containerd that runs <c>virtualization: container</c> instances.</summary>
    public Containers.ContainerdOptions Containerd { get; init; } = new();

    /// <summary>How process instances are confined (user, namespaces, cgroups, environment).</summary>
    public Sandbox.SandboxOptions Sandbox { get; init; } = new();

    /// <summary>Where instance logs go; null: <c>&lt;StateDirectory&gt;/instances</c>. The worker's hosting puts them
    /// in its data folder, not under /run (a tmpfs, in memory).</summary>
    public string? LogDirectory { get; init; }

    /// <summary>An instance log larger than this moves to <c>&lt;log&gt;.1</c> and starts again (checked every
    /// <see cref="LogCheckInterval"/>), so at most about twice this per instance is kept.</summary>
    public long LogMaxBytes { get; init; } = 10 * 1024 * 1024;

    public TimeSpan LogCheckInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The nftables table (bridge family, in the node namespace) that keeps instances from sending as one
    /// another; null: no guard.</summary>
    public string? SpoofGuardTable { get; init; } = "oak_guard";

    public string EffectiveLogDirectory => Path.GetFullPath(LogDirectory ?? Path.Combine(StateDirectory, "instances"));

    public string EffectiveNamespacePrefix => NamespacePrefix ?? $"oak-{NodeName}-i";

    public string NamespaceName(int slot) => EffectiveNamespacePrefix + slot;

    public string VethName(int slot) => VethPrefix + slot;

    internal void Validate()
    {
        InterfaceNames.Validate(BridgeName, nameof(BridgeName));
        InterfaceNames.Validate(VethName(Subnet.LastHost), $"{nameof(VethPrefix)} + slot");
        var prefix = EffectiveNamespacePrefix;
        // The project's own characters only: the name is a file under /run/netns that `oak exec` enters, a cgroup
        // folder and a host name (see Cli InstanceNamespace.Rule).
        if (prefix.Length == 0 || prefix.Length > 200 || !char.IsAsciiLetterOrDigit(prefix[0])
            || prefix.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-')))
            throw new ArgumentException($"namespace prefix '{prefix}' must be letters, digits, '.', '_' and '-', starting with a letter or digit");
        if (SpoofGuardTable is { } table && (table.Length == 0 || table.Length > 64 || !table.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')))
            throw new ArgumentException($"nft table name '{table}' must be letters, digits and '_'");
        if (LogMaxBytes < 4096) throw new ArgumentException($"LogMaxBytes {LogMaxBytes} is below 4096");
        Sandbox.Validate();
        if (Mtu < 1280) throw new ArgumentException($"MTU {Mtu} is below the IPv6 minimum 1280");
    }
}
