using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Oakestra.Actors.Cli.Parsing;

namespace Oakestra.Actors.Cli.Api;

/// <summary>
/// What the CLI proves and trusts when it talks to a root: the API token and the CA the root's certificate must
/// chain to. Each comes from the first place that has one — token: <c>--token</c>, <c>OAK_TOKEN</c>, the config
/// file's <c>token</c>, the lab's <c>.lab/api-token</c>; CA: <c>--ca</c>, <c>OAK_CA</c>, the config file's
/// <c>ca</c>, the lab's <c>.lab/tls/ca.pem</c>. With no CA the system's trust store decides, as for any HTTPS
/// site; with one, only certificates it signed are accepted. <see cref="Looked"/> lists where the token was
/// looked for, so a 401 can say it.
/// </summary>
public sealed record RootCredentials(string? Token, string? TokenSource, IReadOnlyList<string> Looked, X509Certificate2? Ca = null, string? CaSource = null)
{
    public static RootCredentials None { get; } = new(null, null, []);

    public static RootCredentials Resolve(ParsedArgs args, CliContext ctx) => Resolve(args, ctx, CliConfigFile.Load(ctx));

    public static RootCredentials Resolve(ParsedArgs args, CliContext ctx, CliConfigFile config)
    {
        var lab = ctx.LabPaths;
        var labToken = lab is null ? null : Path.GetRelativePath(lab.RepoRoot, lab.ApiToken);
        var tokens = new List<(string Where, Func<string?> Read)>
        {
            ("--token", () => args.Options.GetValueOrDefault("token")),
            ("OAK_TOKEN", () => ctx.Env("OAK_TOKEN")),
            ($"{config.Display(ctx)} (token =)", () => config.Get("token")),
        };
        if (lab is not null) tokens.Add((labToken!, () => ReadSecret(lab.ApiToken)));
        string? token = null, tokenSource = null;
        foreach (var (where, read) in tokens)
        {
            if (read() is not { Length: > 0 } value) continue;
            (token, tokenSource) = (value.Trim(), where);
            break;
        }

        var cas = new List<(string Where, string? File)>
        {
            ("--ca", args.Options.GetValueOrDefault("ca")),
            ("OAK_CA", ctx.Env("OAK_CA")),
            ($"{config.Display(ctx)} (ca =)", config.Get("ca")),
        };
        if (lab is not null && File.Exists(lab.TlsCa)) cas.Add((Path.GetRelativePath(lab.RepoRoot, lab.TlsCa), lab.TlsCa));
        var (caSource, caFile) = cas.FirstOrDefault(c => !string.IsNullOrEmpty(c.File));
        return new RootCredentials(token, tokenSource, tokens.Select(t => t.Where).ToList(),
            caFile is null ? null : LoadCa(caFile, caSource!), caSource);
    }

    /// <summary>The CA certificate in a PEM (or DER) file; a file that is not one stops the command with its name.</summary>
    public static X509Certificate2 LoadCa(string file, string source)
    {
        if (!File.Exists(file)) throw new CliFailure($"the CA file {file} (from {source}) does not exist");
        try
        {
            var text = File.ReadAllText(file);
            return text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)
                ? X509Certificate2.CreateFromPem(text)
                : X509CertificateLoader.LoadCertificateFromFile(file);
        }
        catch (CryptographicException e)
        {
            throw new CliFailure($"the CA file {file} (from {source}) is not a certificate: {e.Message}");
        }
    }

    /// <summary>What the CLI says on a 401: which token it sent, or that it had none and where it looked.</summary>
    public string Unauthorized() => Token is null
        ? $"no API token was sent; oak looked in {string.Join(", ", Looked)}; pass --token or set OAK_TOKEN (the root's log says where its token file is)"
        : $"the root did not accept the token from {TokenSource} (it belongs to another root, or the root was given a new one); oak looks in {string.Join(", ", Looked)}";

    private static string? ReadSecret(string file)
    {
        try { return File.Exists(file) ? File.ReadAllText(file).Trim() : null; }
        catch (UnauthorizedAccessException) { return null; } // the lab's files are root's: someone else's `oak` has no token from there
        catch (IOException) { return null; }
    }
}
