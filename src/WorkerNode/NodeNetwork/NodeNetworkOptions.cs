using System.Net;

namespace Oakestra.Actors.WorkerNode.NodeNetwork;

/// <summary>Device names and ranges of one worker's host network. Names must respect IFNAMSIZ (≤ 15 chars).</summary>
public sealed record NodeNetworkOptions(NodeSubnet Subnet)
{
    public string BridgeName { get; init; } = "oak-br0";

    /// <summary>The data plane's TUN; it must exist (opened by the data plane) before setup.</summary>
    public string TunName { get; init; } = "oak0";

    /// <summary>Service + Instance ranges routed into the TUN.</summary>
    public IReadOnlyList<IPNetwork> ServiceRanges { get; init; } = [IPNetwork.Parse("10.30.0.0/16"), IPNetwork.Parse("fdff::/16")];

    internal void Validate()
    {
        InterfaceNames.Validate(BridgeName, nameof(BridgeName));
        InterfaceNames.Validate(TunName, nameof(TunName));
    }
}
