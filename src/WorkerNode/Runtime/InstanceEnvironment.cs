namespace Oakestra.Actors.WorkerNode.Runtime;

/// <summary>The identity an instance process sees in its environment (the demo app answers with it).</summary>
public static class InstanceEnvironment
{
    /// <summary>Name of the instance netns; also lets a restarted worker find processes of a crashed run.</summary>
    public const string NetnsVariable = "OAK_NETNS";

    public static IReadOnlyDictionary<string, string> For(InstanceLaunch launch, string nodeName, NamespaceAddressLease lease, string netns) =>
        new Dictionary<string, string>
        {
            ["OAK_SERVICE_ID"] = launch.ServiceId,
            ["OAK_INSTANCE_ID"] = launch.InstanceId,
            ["OAK_INSTANCE_NUMBER"] = launch.InstanceNumber.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OAK_NODE"] = nodeName,
            ["OAK_INSTANCE_IPV4"] = launch.InstanceIpv4?.ToString() ?? "",
            ["OAK_INSTANCE_IPV6"] = launch.InstanceIpv6?.ToString() ?? "",
            ["OAK_NAMESPACE_IPV4"] = lease.Ipv4.ToString(),
            ["OAK_NAMESPACE_IPV6"] = lease.Ipv6.ToString(),
            [NetnsVariable] = netns,
        };
}
