using System.Net;
using System.Net.Sockets;
using System.Numerics;

namespace Oakestra.Actors.WorkerNode.NodeNetwork;

/// <summary>
/// One node's dual-stack subnet pair (IPv4 /26, IPv6 /120 by default): host number 1 is the bridge gateway,
/// 2… are instances' Namespace IPs. Host numbers are shared by both families so one slot names one instance.
/// </summary>
public sealed record NodeSubnet
{
    public NodeSubnet(IPNetwork ipv4, IPNetwork ipv6)
    {
        if (ipv4.BaseAddress.AddressFamily != AddressFamily.InterNetwork) throw new ArgumentException($"{ipv4} is not IPv4", nameof(ipv4));
        if (ipv6.BaseAddress.AddressFamily != AddressFamily.InterNetworkV6) throw new ArgumentException($"{ipv6} is not IPv6", nameof(ipv6));
        if (ipv4.PrefixLength > 30) throw new ArgumentException($"{ipv4} leaves no room for instances", nameof(ipv4));
        if (ipv6.PrefixLength > 126) throw new ArgumentException($"{ipv6} leaves no room for instances", nameof(ipv6));
        Ipv4 = ipv4;
        Ipv6 = ipv6;
    }

    public static NodeSubnet Parse(string ipv4, string ipv6) => new(IPNetwork.Parse(ipv4), IPNetwork.Parse(ipv6));

    public IPNetwork Ipv4 { get; }
    public IPNetwork Ipv6 { get; }

    public IPAddress GatewayIpv4 => HostIpv4(1);
    public IPAddress GatewayIpv6 => HostIpv6(1);

    /// <summary>Highest usable host number in both families (IPv4 broadcast excluded): 62 for a /26.</summary>
    public int LastHost => (int)BigInteger.Min((BigInteger.One << (32 - Ipv4.PrefixLength)) - 2,
                                               (BigInteger.One << (128 - Ipv6.PrefixLength)) - 1);

    public IPAddress HostIpv4(int host) => Offset(Ipv4, host);
    public IPAddress HostIpv6(int host) => Offset(Ipv6, host);

    public override string ToString() => $"{Ipv4} + {Ipv6}";

    private static IPAddress Offset(IPNetwork net, int host)
    {
        var size = BigInteger.One << ((net.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? 32 : 128) - net.PrefixLength);
        if (host < 0 || host >= size) throw new ArgumentOutOfRangeException(nameof(host), $"host {host} is outside {net}");
        var bytes = net.BaseAddress.GetAddressBytes();
        var value = new BigInteger(bytes, isUnsigned: true, isBigEndian: true) + host;
        var raw = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        var result = new byte[bytes.Length];
        raw.CopyTo(result, result.Length - raw.Length);
        return new IPAddress(result);
    }
}
