using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Oakestra.Actors.Cli.Lab;

/// <summary>
/// The lab's trust: a CA of its own (ECDSA P-256, 30 days), made fresh by `lab up` under <c>.lab/tls/</c>, that
/// signs one HTTPS server certificate for every root's address and one remoting certificate per process (mutual
/// TLS between all of them, Oak:Remoting:*). The CA's key is never written: once these are signed nothing else
/// can be, so trusting <c>ca.pem</c> trusts exactly this lab's processes.
/// </summary>
public static class LabTls
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(30);
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1", "Server Authentication");
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2", "Client Authentication");

    public static void Create(LabPaths paths, IReadOnlyList<LabNode> nodes)
    {
        if (Directory.Exists(paths.Tls)) Directory.Delete(paths.Tls, recursive: true);
        Directory.CreateDirectory(paths.Tls);
        Directory.CreateDirectory(paths.RemotingTls);
        // A clock a little behind ours must not see certificates from the future.
        var from = DateTimeOffset.UtcNow.AddMinutes(-5);
        var until = from + Lifetime;

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Oakestra.Actors lab CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(from, until);
        File.WriteAllText(paths.TlsCa, ca.ExportCertificatePem() + "\n");

        var names = new SubjectAlternativeNameBuilder();
        foreach (var root in nodes.Where(n => n.Role == LabRole.Root)) names.AddIpAddress(IPAddress.Parse(root.Ipv4));
        Issue(ca, "CN=Oakestra.Actors lab root", [ServerAuthentication], names.Build(), from, until, paths.TlsCertificate, paths.TlsKey);

        // No address in these: a member is dialled by address but known by name (the subject), and without a
        // name that matches an address none of them can pass for a root's HTTPS server.
        foreach (var node in nodes)
            Issue(ca, RemotingSubject(node), [ServerAuthentication, ClientAuthentication], null, from, until,
                paths.RemotingCertificate(node.Name), paths.RemotingKey(node.Name));
    }

    /// <summary>
    /// CN = the name the process goes by in the control plane (a worker's node name, an orchestrator's site, a
    /// root's node name), OU = its role: what a receiver can check a sender's claims against.
    /// </summary>
    public static string RemotingSubject(LabNode node) => node.Role switch
    {
        LabRole.Orchestrator => $"CN={node.Site}, OU=orchestrator, O=Oakestra.Actors lab",
        LabRole.Worker => $"CN={node.Name}, OU=worker, O=Oakestra.Actors lab",
        _ => $"CN={node.Name}, OU=root, O=Oakestra.Actors lab",
    };

    private static void Issue(X509Certificate2 ca, string subject, Oid[] usages, X509Extension? names,
        DateTimeOffset from, DateTimeOffset until, string certificatePath, string keyPath)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        var oids = new OidCollection();
        foreach (var usage in usages) oids.Add(usage);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, false));
        if (names is not null) request.CertificateExtensions.Add(names);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f; // a positive serial number
        using var certificate = request.Create(ca, from, until, serial);
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem() + "\n");
        LabSecrets.WritePrivate(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
    }
}
