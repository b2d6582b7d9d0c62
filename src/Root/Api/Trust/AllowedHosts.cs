using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Oakestra.Actors.Root.Api.Trust;

/// <summary>
/// The Host names the API answers when <c>AllowedHosts</c> is not configured: localhost, the loopback addresses
/// and the hosts of the URLs the root listens on; for a wildcard URL (0.0.0.0, [::], *, +) the machine's name
/// and every address of its interfaces. Anything else gets ASP.NET Core's host filtering 400, so a page on a
/// name that resolves to this machine (DNS rebinding) cannot talk to the API through a victim's browser.
/// </summary>
public static class AllowedHosts
{
    public const string Key = "AllowedHosts";

    public static IReadOnlyList<string> Default(IEnumerable<string> urls)
    {
        var hosts = new List<string> { "localhost", "127.0.0.1", "[::1]" };
        foreach (var url in urls)
        {
            var host = HostOf(url);
            if (host is null) continue;
            if (host is "*" or "+" or "0.0.0.0" or "[::]") hosts.AddRange(Machine());
            else hosts.Add(host);
        }
        return hosts.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>The URLs of <c>Urls</c> (<c>--urls</c>, ASPNETCORE_URLS), semicolon- or comma-separated.</summary>
    public static IReadOnlyList<string> Urls(IConfiguration configuration) =>
        (configuration["urls"] ?? "").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>"http://10.99.0.1:10000" → "10.99.0.1"; IPv6 keeps its brackets, as host filtering compares them.</summary>
    public static string? HostOf(string url)
    {
        var rest = url.Contains("://", StringComparison.Ordinal) ? url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..] : url;
        rest = rest.Split('/', 2)[0];
        if (rest.StartsWith('[')) return rest.IndexOf(']') is var close and > 0 ? rest[..(close + 1)] : null;
        var host = rest.Split(':', 2)[0];
        return host.Length == 0 ? null : host;
    }

    private static IEnumerable<string> Machine()
    {
        yield return Dns.GetHostName();
        IEnumerable<IPAddress> addresses;
        try
        {
            addresses = NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(u => u.Address).ToList();
        }
        catch (NetworkInformationException) { addresses = []; }
        foreach (var a in addresses)
            yield return a.AddressFamily == AddressFamily.InterNetworkV6
                ? $"[{new IPAddress(a.GetAddressBytes())}]" // without the %scope a Host header cannot carry
                : a.ToString();
    }
}
