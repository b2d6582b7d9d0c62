using System.Security.Cryptography.X509Certificates;
using Oakestra.Actors.Contracts.Hosting;

namespace Oakestra.Actors.Root.Api.Trust;

/// <summary>
/// The server certificate of Oak:Api:Certificate:*: a PEM certificate with its key (in KeyPath, or in the same
/// file), or a PKCS#12 file (.pfx/.p12, with Password). Loaded at start so that a wrong path stops the root with
/// its name instead of failing the first TLS handshake.
/// </summary>
public static class ApiCertificate
{
    public static X509Certificate2? Load(ApiSettings settings) =>
        settings.CertificatePath is { } path
            ? CertificateFiles.LoadWithKey("Oak:Api:Certificate:Path", path, settings.CertificateKeyPath, settings.CertificatePassword)
            : null;

    /// <summary>A certificate with no https URL would be ignored, and an https URL with none fails later and obscurely: both stop the start.</summary>
    public static void CheckUrls(X509Certificate2? certificate, IReadOnlyList<string> urls, IConfiguration configuration)
    {
        var https = urls.Where(u => u.StartsWith("https://", StringComparison.OrdinalIgnoreCase)).ToList();
        if (certificate is not null && https.Count == 0)
            throw new InvalidOperationException($"Oak:Api:Certificate:Path is set but no URL in Urls is https:// ({string.Join(";", urls)})");
        if (certificate is null && https.Count > 0 && string.IsNullOrEmpty(configuration["Kestrel:Certificates:Default:Path"]))
            throw new InvalidOperationException($"Urls has {https[0]} but no certificate is configured (Oak:Api:Certificate:Path)");
    }
}
