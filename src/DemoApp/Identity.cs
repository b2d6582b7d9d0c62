using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Oakestra.Actors.DemoApp;

/// <summary>Who this instance is, from the environment variables the worker sets when it starts an instance.</summary>
public sealed record Identity(string? Service, string? Instance, string? Number, string? Node,
    string? InstanceIpv4, string? InstanceIpv6, string? NamespaceIpv4, string? NamespaceIpv6)
{
    public static Identity FromEnvironment(Func<string, string?> env) => new(
        env("OAK_SERVICE_ID"), env("OAK_INSTANCE_ID"), env("OAK_INSTANCE_NUMBER"), env("OAK_NODE"),
        env("OAK_INSTANCE_IPV4"), env("OAK_INSTANCE_IPV6"), env("OAK_NAMESPACE_IPV4"), env("OAK_NAMESPACE_IPV6"));

    /// <summary>
    /// The answer to every request. <c>namespace_ip</c> is the Namespace IP of the family the request came
    /// in on; <c>saw_source</c> is the peer as this socket saw it — with the proxy in between, the sender's
    /// Instance IP, never its Namespace IP.
    /// </summary>
    public JsonObject Describe(EndPoint? remote, string protocol)
    {
        var peer = remote as IPEndPoint;
        var v6 = peer is not null && peer.Address.AddressFamily == AddressFamily.InterNetworkV6 && !peer.Address.IsIPv4MappedToIPv6;
        return new JsonObject
        {
            ["service"] = Service,
            ["instance"] = Instance,
            ["number"] = int.TryParse(Number, out var n) ? n : null,
            ["node"] = Node,
            ["instance_ipv4"] = InstanceIpv4,
            ["instance_ipv6"] = InstanceIpv6,
            ["namespace_ip"] = v6 ? NamespaceIpv6 : NamespaceIpv4,
            ["namespace_ipv4"] = NamespaceIpv4,
            ["namespace_ipv6"] = NamespaceIpv6,
            ["protocol"] = protocol,
            ["saw_source"] = Format(peer),
        };
    }

    /// <summary>"10.30.0.7:41000" for IPv4 (also when it arrived on a dual-stack socket), "[fdff::7]:41000" for IPv6.</summary>
    public static string? Format(IPEndPoint? ep)
    {
        if (ep is null) return null;
        var a = ep.Address.IsIPv4MappedToIPv6 ? ep.Address.MapToIPv4() : ep.Address;
        return a.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{a}]:{ep.Port}" : $"{a}:{ep.Port}";
    }
}
