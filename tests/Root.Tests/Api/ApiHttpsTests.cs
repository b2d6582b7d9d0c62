using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Oakestra.Actors.Root.Api.Trust;

namespace Oakestra.Actors.Root.Tests.Api;

/// <summary>HTTPS when a certificate is configured (PEM certificate + key), and the start refusing half a configuration.</summary>
[Collection(RootProcessCollection.Name)]
public sealed class ApiHttpsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("oakt-tls-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A self-signed certificate for 127.0.0.1; the test clients trust it and nothing else.</summary>
    private RootTls SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=root test", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var (cert, pem) = (Path.Combine(_dir, "root.pem"), Path.Combine(_dir, "root.key"));
        File.WriteAllText(cert, certificate.ExportCertificatePem());
        File.WriteAllText(pem, key.ExportPkcs8PrivateKeyPem());
        return new RootTls(cert, pem, X509CertificateLoader.LoadCertificate(certificate.RawData));
    }

    [Fact]
    public async Task With_a_pem_certificate_the_api_is_https_and_still_wants_the_token()
    {
        await using var root = await RootProcess.StartAsync(null, null, SelfSigned());
        Assert.Equal("https", root.BaseAddress.Scheme);
        using var anonymous = root.Anonymous();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/v1/health")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/services")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await root.Http.GetAsync("/api/v1/services")).StatusCode);
        using var plain = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{root.BaseAddress.Port}"), Timeout = TimeSpan.FromSeconds(10) };
        await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync("/api/v1/health")); // no plain HTTP beside it
    }

    [Fact]
    public void A_certificate_without_an_https_url_and_an_https_url_without_a_certificate_stop_the_start()
    {
        var tls = SelfSigned();
        var certificate = ApiCertificate.Load(ApiSettings.Default with { CertificatePath = tls.CertificatePath, CertificateKeyPath = tls.KeyPath });
        var empty = new ConfigurationBuilder().Build();
        Assert.Contains("no URL in Urls is https://", Assert.Throws<InvalidOperationException>(
            () => ApiCertificate.CheckUrls(certificate, ["http://127.0.0.1:10000"], empty)).Message);
        Assert.Contains("no certificate is configured", Assert.Throws<InvalidOperationException>(
            () => ApiCertificate.CheckUrls(null, ["https://127.0.0.1:10000"], empty)).Message);
        Assert.Contains("does not exist", Assert.Throws<InvalidOperationException>(
            () => ApiCertificate.Load(ApiSettings.Default with { CertificatePath = Path.Combine(_dir, "missing.pem") })).Message);
    }
}
