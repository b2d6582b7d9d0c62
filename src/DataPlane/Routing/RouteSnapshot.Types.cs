using Oakestra.Actors.DataPlane.Balancing;

namespace Oakestra.Actors.DataPlane.Routing;

/// <summary>One instance in a compiled snapshot (local or remote). Addresses are IpKey keys, 0 = absent.</summary>
internal struct InstanceRoute
{
    public UInt128 InstanceV4, InstanceV6;
    public UInt128 NamespaceV4, NamespaceV6; // local instances only
    public int PeerIndex;                    // InstanceSpec.Local (-1) when on this node
    public int ServiceIndex;
    public bool IsLocal => PeerIndex < 0;
    public readonly UInt128 Instance(bool v6) => v6 ? InstanceV6 : InstanceV4;
    public readonly UInt128 Namespace(bool v6) => v6 ? NamespaceV6 : NamespaceV4;
}

/// <summary>A Service IP in a compiled snapshot: its policy and the instances the policy may pick from.</summary>
public sealed class ServiceAddressRoute
{
    internal ServiceAddressRoute(UInt128 address, int serviceIndex, BalancingPolicy policy, int[] candidates, int[] eligible)
    {
        Address = address;
        ServiceIndex = serviceIndex;
        Policy = policy;
        Candidates = candidates;
        Eligible = eligible;
    }

    internal UInt128 Address { get; }
    public int ServiceIndex { get; }
    public BalancingPolicy Policy { get; }
    /// <summary>Instance indices (into the snapshot) of the service that have an Instance IP of this address's family.</summary>
    public int[] Candidates { get; }
    /// <summary>The subset the policy prepared at compile time (all for Round Robin, the closest for Closest).</summary>
    public int[] Eligible { get; }
    /// <summary>Rotation index, advanced once per new flow by the forwarding thread.</summary>
    internal uint Rotation;
}
