using System.Net;
using System.Net.Sockets;

namespace Oakestra.Actors.ClusterOrchestrator.Actors;

/// <summary>
/// What a registered tunnel endpoint becomes: <see cref="Endpoint"/> (an address and port, what every peer's data
/// plane sends to) or <see cref="Refusal"/> (why not, for the worker's log and the orchestrator's).
/// </summary>
public sealed record TunnelEndpointCheck(string? Endpoint, string? Refusal)
{
    public static TunnelEndpointCheck Accept(string endpoint) => new(endpoint, null);
    public static TunnelEndpointCheck Refuse(string reason) => new(null, reason);
}

/// <summary>Looks up a host name of a tunnel endpoint (the orchestrator's seam for tests; DNS by default).</summary>
public delegate Task<TunnelEndpointCheck> TunnelEndpointLookup(string endpoint, CancellationToken ct);

/// <summary>
/// Validation of a worker's tunnel endpoint at registration. The data plane sends to addresses only (a name would
/// need resolving on the packet path), and every peer would otherwise find out on its own, at every table compile,
/// that a name is no address: so an address is taken as it is, a host name is resolved once, here, and the
/// worker is known by the address from then on, and anything else is refused with a reason naming the endpoint.
/// </summary>
public static class TunnelEndpoints
{
    private const string Hint = "set Oak:Node:TunnelEndpoint to an address and port the other workers reach, e.g. 192.0.2.10:50103";

    /// <summary>An address endpoint (canonical), a refusal, or neither: a host name to look up (<paramref name="host"/>, <paramref name="port"/>).</summary>
    public static TunnelEndpointCheck? Parse(string endpoint, out string host, out int port)
    {
        host = "";
        port = 0;
        if (string.IsNullOrWhiteSpace(endpoint)) return TunnelEndpointCheck.Refuse($"the tunnel endpoint is empty: {Hint}");
        if (!Oakestra.Actors.Contracts.Addressing.EndpointText.TrySplit(endpoint, out host, out port))
        {
            var colon = endpoint.LastIndexOf(':');
            return colon <= 0 || colon == endpoint.Length - 1 || (!endpoint.StartsWith('[') && endpoint.IndexOf(':') != colon)
                ? TunnelEndpointCheck.Refuse($"tunnel endpoint '{endpoint}' has no port (host:port, [IPv6]:port): {Hint}")
                : TunnelEndpointCheck.Refuse($"tunnel endpoint '{endpoint}' has no valid port (1-65535): {Hint}");
        }
        var bracketed = host.StartsWith('[') && host.EndsWith(']');
        if (IPAddress.TryParse(bracketed ? host[1..^1] : host, out var address)
            && (bracketed ? address.AddressFamily == AddressFamily.InterNetworkV6 : address.AddressFamily == AddressFamily.InterNetwork))
            return TunnelEndpointCheck.Accept(new IPEndPoint(address, port).ToString());
        if (bracketed || Uri.CheckHostName(host) != UriHostNameType.Dns)
            return TunnelEndpointCheck.Refuse($"tunnel endpoint '{endpoint}': '{host}' is neither an address nor a host name: {Hint}");
        return null;
    }

    /// <summary>
    /// DNS, bounded by <paramref name="timeout"/>. The name stands for the address it resolves to, as if that had been
    /// written: the first IPv4 address wins, then IPv6, a loopback one only when there is nothing else (a one-machine
    /// setup, as an explicit 127.0.0.1 would be).
    /// </summary>
    public static TunnelEndpointLookup Dns(TimeSpan timeout) => async (endpoint, ct) =>
    {
        if (Parse(endpoint, out var host, out var port) is { } parsed) return parsed;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        IPAddress[] addresses;
        try
        {
            addresses = await System.Net.Dns.GetHostAddressesAsync(host, AddressFamily.Unspecified, cts.Token).WaitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            return TunnelEndpointCheck.Refuse($"tunnel endpoint '{endpoint}' is not an address and {host} did not resolve within {timeout.TotalSeconds:0} s: {Hint}");
        }
        catch (SocketException e)
        {
            return TunnelEndpointCheck.Refuse($"tunnel endpoint '{endpoint}' is not an address and {host} does not resolve ({e.SocketErrorCode}): {Hint}");
        }
        return Choose(endpoint, host, port, addresses);
    };

    public static TunnelEndpointCheck Choose(string endpoint, string host, int port, IReadOnlyList<IPAddress> addresses)
    {
        var usable = addresses.Where(a => !a.IsIPv6LinkLocal && !a.Equals(IPAddress.Any) && !a.Equals(IPAddress.IPv6Any))
            .OrderBy(a => IPAddress.IsLoopback(a)).ThenBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).ToArray();
        return usable.Length > 0
            ? TunnelEndpointCheck.Accept(new IPEndPoint(usable[0], port).ToString())
            : TunnelEndpointCheck.Refuse($"tunnel endpoint '{endpoint}' is not an address and {host} resolves to no address a peer could send to: {Hint}");
    }
}
