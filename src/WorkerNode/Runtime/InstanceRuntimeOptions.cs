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

    public string EffectiveNamespacePrefix => NamespacePrefix ?? $"oak-{NodeName}-i";

    public string NamespaceName(int slot) => EffectiveNamespacePrefix + slot;

    public string VethName(int slot) => VethPrefix + slot;

    internal void Validate()
    {
        InterfaceNames.Validate(BridgeName, nameof(BridgeName));
        InterfaceNames.Validate(VethName(Subnet.LastHost), $"{nameof(VethPrefix)} + slot");
        var prefix = EffectiveNamespacePrefix;
        if (prefix.Length == 0 || prefix.Length > 200 || prefix.Any(c => c == '/' || char.IsWhiteSpace(c) || char.IsControl(c)))
            throw new ArgumentException($"namespace prefix '{prefix}' is not a usable netns file name");
        if (Mtu < 1280) throw new ArgumentException($"MTU {Mtu} is below the IPv6 minimum 1280");
    }
}
