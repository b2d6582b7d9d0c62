namespace Oakestra.Actors.Cli.Api;

/// <summary>
/// The CLI's own settings file: <c>$OAK_CONFIG</c> (e.g. a file per deployment), else
/// <c>$XDG_CONFIG_HOME/oak/config</c>, else <c>~/.config/oak/config</c>. Lines <c>key = value</c> (or
/// <c>key=value</c>), <c>#</c> comments; keys <c>root</c>, <c>token</c>, <c>ca</c>, each standing where
/// <c>--root</c>, <c>--token</c> and <c>--ca</c> would. A missing file is an empty one.
/// </summary>
public sealed record CliConfigFile(string? Path, IReadOnlyDictionary<string, string> Values)
{
    public const string Variable = "OAK_CONFIG";

    public string? Get(string key) => Values.TryGetValue(key, out var v) && v.Length > 0 ? v : null;

    /// <summary>How to name the file in a message: "~/.config/oak/config" rather than the home folder's full path.</summary>
    public string Display(CliContext ctx) =>
        Path is null ? "~/.config/oak/config (no HOME)"
        : ctx.Env("HOME") is { Length: > 0 } home && Path.StartsWith(home.TrimEnd('/') + "/", StringComparison.Ordinal) ? "~" + Path[home.TrimEnd('/').Length..]
        : Path;

    public static string? Locate(CliContext ctx)
    {
        if (ctx.Env(Variable) is { Length: > 0 } explicitPath) return explicitPath;
        if (ctx.Env("XDG_CONFIG_HOME") is { Length: > 0 } xdg) return System.IO.Path.Combine(xdg, "oak", "config");
        return ctx.Env("HOME") is { Length: > 0 } home ? System.IO.Path.Combine(home, ".config", "oak", "config") : null;
    }

    public static CliConfigFile Load(CliContext ctx)
    {
        var path = Locate(ctx);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (path is null || !File.Exists(path))
        {
            if (ctx.Env(Variable) is { Length: > 0 }) throw new CliFailure($"{Variable} names {path}, which does not exist");
            return new CliConfigFile(path, values);
        }
        var n = 0;
        foreach (var line in File.ReadAllLines(path))
        {
            n++;
            var t = line.Trim();
            if (t.Length == 0 || t.StartsWith('#')) continue;
            var eq = t.IndexOf('=');
            if (eq <= 0) throw new CliFailure($"{path}:{n}: expected 'key = value', got '{t}'");
            values[t[..eq].Trim().ToLowerInvariant()] = t[(eq + 1)..].Trim().Trim('"', '\'');
        }
        return new CliConfigFile(path, values);
    }
}
