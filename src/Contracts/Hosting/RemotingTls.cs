using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;
using Microsoft.Extensions.Configuration;

namespace Oakestra.Actors.Contracts.Hosting;

/// <summary>
/// Mutual TLS for Akka remoting (Oak:Remoting:*, docs/CONFIG.md): this process's certificate and the deployment's
/// CA. Both ends of every association present a certificate and accept only one that chains to that CA, so a
/// process without one, or with one from another CA, cannot associate, join, or send any message.
/// </summary>
public sealed record RemotingTls(X509Certificate2 Certificate, X509Certificate2Collection Authorities)
{
    private const string Section = "Oak:Remoting";
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");

    /// <summary>
    /// Null only for an explicit <c>Oak:Remoting:Tls=off</c> (plain TCP). Without a certificate and without the
    /// opt-out the process refuses to start: plain TCP lets anyone who reaches the port join with any role.
    /// </summary>
    public static RemotingTls? FromConfiguration(IConfiguration configuration)
    {
        if (!IsOn(configuration)) return null;
        var s = configuration.GetSection(Section);
        var path = Text(s["Certificate:Path"]);
        var ca = Text(s["CaPath"]);
        if (path is null || ca is null)
            throw new InvalidOperationException(
                $"Akka remoting runs over mutual TLS: set {Section}:Certificate:Path (this process's certificate and key) and " +
                $"{Section}:CaPath (the deployment's CA), or {Section}:Tls=off for plain TCP that any process reaching the port can join " +
                "(docs/CONFIG.md, \"Remoting trust\")");
        var tls = new RemotingTls(
            CertificateFiles.LoadWithKey($"{Section}:Certificate:Path", path, Text(s["Certificate:KeyPath"]), s["Certificate:Password"]),
            CertificateFiles.LoadPemBundle($"{Section}:CaPath", ca));
        if (tls.Refusal(tls.Certificate) is { } why)
            throw new InvalidOperationException($"{Section}:Certificate:Path {path} is not usable with {Section}:CaPath {ca}: {why}");
        return tls;
    }

    /// <summary>
    /// Why <paramref name="peer"/> is not a member's certificate of this deployment, or null: it must chain to one
    /// of <see cref="Authorities"/> (not to the machine's trust store) and be valid for both TLS client and
    /// server, since every process dials and is dialled. Names are not checked here: a member's address is not in
    /// its certificate; who may send what is decided by the receiving actors.
    /// </summary>
    public string? Refusal(X509Certificate2 peer, X509Chain? presented = null)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(Authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuthentication);
        chain.ChainPolicy.ApplicationPolicy.Add(ServerAuthentication);
        // Intermediates the peer sent along, so a deployment may sign members with an intermediate of its CA.
        if (presented is not null)
            foreach (var element in presented.ChainElements)
                if (!element.Certificate.Equals(peer)) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        if (chain.Build(peer)) return null;
        var status = chain.ChainStatus.Select(c => c.StatusInformation.Trim()).Where(t => t.Length > 0).Distinct();
        return string.Join("; ", status) is { Length: > 0 } text ? text : "its chain does not end at the deployment's CA";
    }

    /// <summary>Where accepted certificates are recorded by host (the process's own registry unless a test gives one).</summary>
    public RemotingIdentities Identities { get; init; } = RemotingIdentities.Seen;

    /// <summary>Akka's callback for both sides of the handshake; the policy errors of the machine's store are ours to judge.</summary>
    public CertificateValidationCallback Validator => (certificate, presented, peer, _, log) =>
    {
        if (certificate is null)
        {
            log.Warning("refused remoting peer {0}: it presented no certificate", peer);
            return false;
        }
        if (Refusal(certificate, presented) is not { } why)
        {
            Identities.Record(peer, certificate);
            return true;
        }
        log.Warning("refused remoting peer {0} with certificate {1} (issuer {2}): {3}", peer, certificate.Subject, certificate.Issuer, why);
        return false;
    };

    /// <summary>False only for an explicit Oak:Remoting:Tls of off/false/no/0: anything else asks for TLS.</summary>
    public static bool IsOn(IConfiguration configuration) =>
        configuration[$"{Section}:Tls"]?.Trim().ToLowerInvariant() is not ("off" or "false" or "no" or "0");

    /// <summary>The Akka address scheme of the DotNetty transport, with or without TLS.</summary>
    public static string Protocol(bool tls) => tls ? TlsScheme : PlainScheme;

    public const string PlainScheme = "akka.tcp";
    public const string TlsScheme = "akka.ssl.tcp";

    private static string? Text(string? raw) => string.IsNullOrWhiteSpace(raw) ? null : raw.Trim();
}
