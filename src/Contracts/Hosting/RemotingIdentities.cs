using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;

namespace Oakestra.Actors.Contracts.Hosting;

/// <summary>
/// Who the certificates accepted by this process's remoting say they are (CN = node or site, OU = role), by the
/// host they came from: the remote socket's address of an inbound connection, the dialled address of an outbound one
/// (Akka's TLS callback gives one or the other). A sender check asks whether a message's sender address is backed by a
/// certificate of the identity the message claims: a worker registering as w1 must hold w1's worker certificate, an
/// orchestrator registering site1 the orchestrator certificate of site1.
/// A host no accepted certificate came from (plain TCP, or an address given as a name that the inbound side sees as an
/// IP) cannot be judged and is let through: the check narrows who may speak for a name, it does not replace the CA.
/// Akka's handshake names the sender's address itself, so a member holding one valid certificate of the deployment can
/// still claim another member's address; that is left open (README, Security).
/// </summary>
public sealed class RemotingIdentities
{
    /// <summary>The process's registry, filled by <see cref="RemotingTls.Validator"/>.</summary>
    public static RemotingIdentities Seen { get; } = new();

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<(string Name, string Role), byte>> _byHost = new(StringComparer.Ordinal);

    public void Record(string peer, X509Certificate2 certificate)
    {
        if (HostOf(peer) is not { } host || IdentityOf(certificate) is not { } identity) return;
        _byHost.GetOrAdd(host, _ => new()).TryAdd(identity, 0);
    }

    /// <summary>Why <paramref name="from"/> may not speak as <paramref name="role"/> <paramref name="name"/>, or null.</summary>
    public string? Refusal(Address from, string role, string name)
    {
        if (from.Host is not { } raw || !_byHost.TryGetValue(Normal(raw), out var identities) || identities.IsEmpty) return null;
        if (identities.ContainsKey((name, role))) return null;
        return $"{from} holds the certificate of {string.Join(", ", identities.Keys.Select(i => $"{i.Role} {i.Name}").Order(StringComparer.Ordinal))}, not of {role} {name}";
    }

    /// <summary>"[::ffff:10.0.0.1]:40123" (inbound) or "ssl.tcp://system@host:port" (outbound) → the host.</summary>
    public static string? HostOf(string peer)
    {
        if (IPEndPoint.TryParse(peer, out var endpoint)) return Normal(endpoint.Address.ToString());
        var at = peer.LastIndexOf('@');
        var colon = peer.LastIndexOf(':');
        return at >= 0 && colon > at ? Normal(peer[(at + 1)..colon].Trim('[', ']')) : null;
    }

    /// <summary>(CN, OU) of a member's certificate; null without both.</summary>
    public static (string Name, string Role)? IdentityOf(X509Certificate2 certificate)
    {
        string? cn = null, ou = null;
        foreach (var rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            switch (rdn.GetSingleElementType().FriendlyName)
            {
                case "CN": cn ??= rdn.GetSingleElementValue(); break;
                case "OU": ou ??= rdn.GetSingleElementValue(); break;
            }
        }
        return cn is null || ou is null ? null : (cn, ou);
    }

    private static string Normal(string host) =>
        IPAddress.TryParse(host, out var ip) ? (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString() : host.ToLowerInvariant();
}
