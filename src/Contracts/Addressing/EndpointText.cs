using System.Globalization;

namespace Oakestra.Actors.Contracts.Addressing;

/// <summary>
/// An endpoint as configuration writes it: <c>host:port</c>, <c>192.0.2.1:port</c> or <c>[2001:db8::1]:port</c>.
/// One reading for everyone: the orchestrator validating a worker's tunnel endpoint and the worker choosing the
/// port its tunnel listens on must agree on the port, also when the host is a name.
/// </summary>
public static class EndpointText
{
    /// <summary>The host (brackets kept for IPv6) and port; false when there is no port or a bare IPv6 address without brackets.</summary>
    public static bool TrySplit(string? endpoint, out string host, out int port)
    {
        host = "";
        port = 0;
        if (string.IsNullOrWhiteSpace(endpoint)) return false;
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || colon == endpoint.Length - 1 || (!endpoint.StartsWith('[') && endpoint.IndexOf(':') != colon)) return false;
        if (!int.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            port = 0;
            return false;
        }
        host = endpoint[..colon];
        return true;
    }
}
