using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Oakestra.Actors.Cli.Lab;

/// <summary>
/// The lab's HTTPS: a CA of its own and one server certificate for every root's address (ECDSA P-256, 30 days),
/// made fresh by `lab up` under <c>.lab/tls/</c>. The CA's key is never written: once the root's certificate is
/// signed nothing else can be, so trusting <c>ca.pem</c> trusts exactly this lab's roots.
/// </summary>
public static class LabTls
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(30);

    public static void Create(LabPaths paths, IEnumerable<string> rootAddresses)
    {
        if (Directory.Exists(paths.Tls)) Directory.Delete(paths.Tls, recursive: true);
        Directory.CreateDirectory(paths.Tls);
        // A clock a little behind ours must not see certificates from the future.
        var from = DateTimeOffset.UtcNow.AddMinutes(-5);
        var until = from + Lifetime;

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Oakestra.Actors lab CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(from, until);

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Oakestra.Actors lab root", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], false));
        var names = new SubjectAlternativeNameBuilder();
        foreach (var address in rootAddresses) names.AddIpAddress(IPAddress.Parse(address));
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f; // a positive serial number
        using var certificate = request.Create(ca, from, until, serial);

        File.WriteAllText(paths.TlsCa, ca.ExportCertificatePem() + "\n");
        File.WriteAllText(paths.TlsCertificate, certificate.ExportCertificatePem() + "\n");
        LabSecrets.WritePrivate(paths.TlsKey, key.ExportPkcs8PrivateKeyPem() + "\n");
    }
}
