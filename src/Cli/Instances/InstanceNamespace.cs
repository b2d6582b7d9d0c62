using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Oakestra.Actors.Cli.Instances;

/// <summary>
/// THE naming convention for instance network namespaces — the worker must name them the same way.
///
///   <c>{prefix}{node}-i{host}</c>, e.g. <c>oaklab-w1-i2</c>
///
/// where <c>prefix</c> is the worker's <c>Oak:Node:NamespacePrefix</c> (default <c>oak-</c>; the lab passes
/// <c>oaklab-</c>), <c>node</c> is <c>Oak:Node:Name</c>, and <c>host</c> is the host number of the
/// placement's Namespace IPv4 inside the worker's IPv4 subnet (10.18.0.66 in 10.18.0.64/26 → 2; the
/// gateway is 1, instances 2–62). The name is derived from facts the API already shows (placement node,
/// namespace_ipv4, the node's subnet_v4), unique on a machine while the placement lives, short enough to
/// read, and changes with every placement exactly like the Namespace IP does.
/// </summary>
public static partial class InstanceNamespace
{
    public const string DefaultPrefix = "oak-";

    public const string Rule = "letters, digits, '.', '_' and '-', starting with a letter or digit";

    /// <summary>
    /// The characters every part of the convention is made of (prefixes like <c>oaklab-</c>, node names, <c>-i</c>,
    /// digits). A namespace name is a file under /run/netns: one with '/' or a leading '.' or '-' would make
    /// <c>ip netns exec</c> enter something else (<c>../../proc/1/ns/net</c> is the machine's own namespace).
    /// </summary>
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")]
    private static partial Regex Pattern();

    public static bool IsValidName(string name) => Pattern().IsMatch(name);

    /// <summary>A prefix may be empty; otherwise it is the start of a valid name.</summary>
    public static bool IsValidPrefix(string prefix) => prefix.Length == 0 || IsValidName(prefix);

    public static string Name(string prefix, string node, int hostNumber) => $"{prefix}{node}-i{hostNumber}";

    /// <summary>The host number of <paramref name="namespaceIpv4"/> inside <paramref name="subnetV4"/> (CIDR).</summary>
    public static int HostNumber(string namespaceIpv4, string subnetV4)
    {
        var slash = subnetV4.IndexOf('/');
        if (slash < 0 || !IPAddress.TryParse(subnetV4[..slash], out var network) || network.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(subnetV4[(slash + 1)..], out var bits) || bits is < 0 or > 32)
            throw new FormatException($"'{subnetV4}' is not an IPv4 subnet");
        if (!IPAddress.TryParse(namespaceIpv4, out var address) || address.AddressFamily != AddressFamily.InterNetwork)
            throw new FormatException($"'{namespaceIpv4}' is not an IPv4 address");
        var mask = bits == 0 ? 0u : uint.MaxValue << (32 - bits);
        var net = ToUInt(network) & mask;
        var a = ToUInt(address);
        if ((a & mask) != net) throw new FormatException($"{namespaceIpv4} is not inside {subnetV4}");
        return (int)(a - net);
    }

    private static uint ToUInt(IPAddress a)
    {
        var b = a.GetAddressBytes();
        return ((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3];
    }
}
