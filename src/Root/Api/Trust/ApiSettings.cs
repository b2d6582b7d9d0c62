using System.Globalization;

namespace Oakestra.Actors.Root.Api.Trust;

/// <summary>
/// The Oak:Api:* keys of docs/CONFIG.md: who may call the API (token), how much one request may carry, and the
/// certificate that turns on HTTPS. The limits exist because a document is parsed whole and every service in it
/// is created before the answer: an unbounded one ties the root up (3,000 microservices took 15 s).
/// </summary>
public sealed record ApiSettings(
    string? Token,
    string? TokenFile,
    long MaxBodyBytes,
    int MaxMicroservices,
    int MaxCodeBytes,
    int MaxInstancesPerRequest,
    string? CertificatePath,
    string? CertificateKeyPath,
    string? CertificatePassword)
{
    public const string TokenFileName = "api-token";

    public static ApiSettings Default { get; } = new(null, null, 1024 * 1024, 1000, 64 * 1024, 1000, null, null, null);

    public static ApiSettings From(IConfiguration configuration)
    {
        var s = configuration.GetSection("Oak:Api");
        var d = Default;
        return new ApiSettings(
            Text(s["Token"]),
            Text(s["TokenFile"]),
            Positive(s, "MaxBodyBytes", d.MaxBodyBytes),
            (int)Positive(s, "MaxMicroservices", d.MaxMicroservices, int.MaxValue),
            (int)Positive(s, "MaxCodeBytes", d.MaxCodeBytes, int.MaxValue),
            (int)Positive(s, "MaxInstancesPerRequest", d.MaxInstancesPerRequest, int.MaxValue),
            Text(s["Certificate:Path"]),
            Text(s["Certificate:KeyPath"]),
            s["Certificate:Password"]);
    }

    private static string? Text(string? raw) => string.IsNullOrWhiteSpace(raw) ? null : raw.Trim();

    private static long Positive(IConfigurationSection s, string key, long fallback, long max = long.MaxValue)
    {
        var raw = s[key];
        if (string.IsNullOrWhiteSpace(raw)) return fallback;
        if (!long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < 1 || v > max)
            throw new InvalidOperationException($"Oak:Api:{key} must be a whole number 1-{max}, got '{raw}'");
        return v;
    }
}
