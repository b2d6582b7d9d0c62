using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Oakestra.Actors.Contracts.Hosting;

namespace Oakestra.Actors.Root.Tests.Remoting;

/// <summary>A throwaway CA made in the test, issuing member certificates (client and server) as a deployment's CA does.</summary>
public sealed class TestCa : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly DateTimeOffset _from = DateTimeOffset.UtcNow.AddMinutes(-5);
    private readonly DateTimeOffset _until = DateTimeOffset.UtcNow.AddDays(1);

    public X509Certificate2 Certificate { get; }

    public TestCa(string name)
    {
        var request = new CertificateRequest($"CN={name}", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Certificate = request.CreateSelfSigned(_from, _until);
    }

    /// <summary>A member certificate with its key, loaded as a process loads one from a file.</summary>
    public X509Certificate2 Issue(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        using var signed = request.Create(Certificate, _from, _until, RandomNumberGenerator.GetBytes(8));
        using var withKey = signed.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>What a member of this CA's deployment is configured with.</summary>
    public RemotingTls Member(string subject) => new(Issue(subject), [Certificate]);

    public void Dispose()
    {
        Certificate.Dispose();
        _key.Dispose();
    }
}
