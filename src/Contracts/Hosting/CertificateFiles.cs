using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Oakestra.Actors.Contracts.Hosting;

/// <summary>
/// A certificate with its private key from files: PEM (key in <c>keyPath</c>, or in the same file) or PKCS#12
/// (.pfx/.p12, with a password). Loaded at start so that a wrong path stops the process with the key's name
/// instead of failing the first TLS handshake.
/// </summary>
public static class CertificateFiles
{
    /// <param name="setting">the configuration key of <paramref name="path"/>, named in the error.</param>
    public static X509Certificate2 LoadWithKey(string setting, string path, string? keyPath, string? password)
    {
        if (!File.Exists(path)) throw new InvalidOperationException($"{setting} {path} does not exist");
        var extension = Path.GetExtension(path).ToLowerInvariant();
        try
        {
            return extension is ".pfx" or ".p12"
                ? X509CertificateLoader.LoadPkcs12FromFile(path, password)
                : X509Certificate2.CreateFromPemFile(path, keyPath);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or IOException)
        {
            throw new InvalidOperationException($"cannot load {setting} {path}{(keyPath is { } k ? $" (key {k})" : "")}: {e.Message}", e);
        }
    }

    /// <summary>Every certificate of a PEM file (a CA bundle), without keys.</summary>
    public static X509Certificate2Collection LoadPemBundle(string setting, string path)
    {
        if (!File.Exists(path)) throw new InvalidOperationException($"{setting} {path} does not exist");
        var bundle = new X509Certificate2Collection();
        try { bundle.ImportFromPemFile(path); }
        catch (Exception e) when (e is CryptographicException or ArgumentException or IOException)
        {
            throw new InvalidOperationException($"cannot load {setting} {path}: {e.Message}", e);
        }
        if (bundle.Count == 0) throw new InvalidOperationException($"{setting} {path} holds no PEM certificate");
        return bundle;
    }
}
