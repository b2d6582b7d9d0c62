using System.Security.Cryptography;
using System.Text;
using Oakestra.Actors.Cli.Api;

namespace Oakestra.Actors.Cli.Lab;

/// <summary>
/// The lab's API token: made fresh by every `lab up` in <c>.lab/api-token</c> (0600), given to every root as
/// Oak:Api:TokenFile (several roots must accept one token, and a file keeps it off their command lines, which
/// `ps` shows), and found there by `oak` after `lab up` (<see cref="RootCredentials"/>).
/// </summary>
public static class LabSecrets
{
    public static void WriteToken(LabPaths paths)
    {
        Directory.CreateDirectory(paths.Dir);
        if (File.Exists(paths.ApiToken)) File.Delete(paths.ApiToken);
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        WritePrivate(paths.ApiToken, token + "\n");
    }

    /// <summary>The token and CA the lab's own commands use (what a user's `oak` would find last, read directly).</summary>
    public static RootCredentials Credentials(LabPaths paths)
    {
        var where = Path.GetRelativePath(paths.RepoRoot, paths.ApiToken);
        var token = File.Exists(paths.ApiToken) ? File.ReadAllText(paths.ApiToken).Trim() : null;
        var ca = File.Exists(paths.TlsCa) ? RootCredentials.LoadCa(paths.TlsCa, "the lab") : null;
        return new RootCredentials(token, where, [where], ca, ca is null ? null : Path.GetRelativePath(paths.RepoRoot, paths.TlsCa));
    }

    /// <summary>Created readable by its owner only, from the first byte.</summary>
    public static void WritePrivate(string path, string text)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var file = new FileStream(path, options);
        file.Write(Encoding.UTF8.GetBytes(text));
    }

    public static void Remove(LabPaths paths)
    {
        if (File.Exists(paths.ApiToken)) File.Delete(paths.ApiToken);
        if (Directory.Exists(paths.Tls)) Directory.Delete(paths.Tls, recursive: true);
    }
}
