using System.Security.Cryptography;
using System.Text;

namespace Oakestra.Actors.Root.Api.Trust;

/// <summary>
/// The one bearer token the API accepts, and where it came from (for the log line that tells an operator where
/// to find it; the token itself is never logged). <see cref="Resolve"/>: <c>Oak:Api:Token</c>, else the file
/// <c>Oak:Api:TokenFile</c> (default <c>&lt;Oak:Store:DataDir&gt;/api-token</c>), created with a fresh random
/// token and mode 0600 when it does not exist, so a root that nobody configured is still not open.
/// </summary>
public sealed record ApiToken(string Value, string Source, bool Created)
{
    /// <summary>Shorter than this is guessable enough to refuse at start.</summary>
    public const int MinLength = 16;

    private byte[] Digest { get; } = SHA256.HashData(Encoding.UTF8.GetBytes(Value));

    /// <summary>
    /// Constant time: both sides are hashed first, so neither the length nor the first differing character
    /// shows in how long a wrong guess takes.
    /// </summary>
    public bool Matches(string presented) =>
        CryptographicOperations.FixedTimeEquals(Digest, SHA256.HashData(Encoding.UTF8.GetBytes(presented)));

    public static ApiToken Resolve(ApiSettings settings, string dataDir)
    {
        if (settings.Token is { } configured)
            return new ApiToken(Checked(configured, "Oak:Api:Token"), "Oak:Api:Token", false);
        var path = Path.GetFullPath(settings.TokenFile ?? Path.Combine(dataDir, ApiSettings.TokenFileName));
        if (File.Exists(path))
            return new ApiToken(Checked(File.ReadAllText(path).Trim(), path), path, false);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var token = New();
        try
        {
            // Created with its mode, never chmod-ed afterwards: no moment in which others could read it.
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using var file = new FileStream(path, options);
            file.Write(Encoding.UTF8.GetBytes(token + "\n"));
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another root sharing the file made it first: use theirs.
            return new ApiToken(Checked(File.ReadAllText(path).Trim(), path), path, false);
        }
        return new ApiToken(token, path, true);
    }

    /// <summary>256 random bits, URL-safe so it can be pasted into a header, an env variable or a config file.</summary>
    public static string New() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Checked(string token, string source)
    {
        if (token.Length < MinLength || token.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            throw new InvalidOperationException($"the API token from {source} must be at least {MinLength} characters without spaces");
        return token;
    }
}
