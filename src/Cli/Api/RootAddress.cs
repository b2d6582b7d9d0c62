using System.Globalization;
using Oakestra.Actors.Cli.Parsing;

namespace Oakestra.Actors.Cli.Api;

/// <summary>
/// Where the roots are: <c>--root</c>, else <c>OAK_ROOT</c>, else <c>root</c> in the config file (<see cref="CliConfigFile"/>),
/// else the lab's <c>.lab/env</c>, else the default; each
/// a comma-separated list. In a checkout with a lab, the root that answered last is tried first next time
/// (<c>.lab/answering-root</c>), so a dead root costs one refused connection once, not on every command.
/// </summary>
public static class RootAddress
{
    public const string Default = "http://127.0.0.1:10000";

    public static IReadOnlyList<Uri> Resolve(ParsedArgs args, CliContext ctx) => Resolve(args, ctx, CliConfigFile.Load(ctx));

    public static IReadOnlyList<Uri> Resolve(ParsedArgs args, CliContext ctx, CliConfigFile config)
    {
        var raw = args.Options.TryGetValue("root", out var r) ? r
            : ctx.Env("OAK_ROOT") is { Length: > 0 } e ? e
            : config.Get("root")
            ?? ctx.LabPaths?.ReadEnv().GetValueOrDefault("OAK_ROOT") ?? Default;
        var roots = raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Parse).Distinct().ToList();
        if (roots.Count == 0) throw new UsageException($"root address '{raw}' names no root");
        return roots;
    }

    private static Uri Parse(string raw)
    {
        var text = raw.Contains("://", StringComparison.Ordinal) ? raw : "http://" + raw;
        if (!Uri.TryCreate(text.TrimEnd('/') + "/", UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            throw new UsageException($"root address '{raw}' is not an http URL");
        return uri;
    }

    /// <summary>The same roots, starting with the one that answered last (when it is one of them).</summary>
    public static IReadOnlyList<Uri> AnsweringFirst(IReadOnlyList<Uri> roots, CliContext ctx)
    {
        if (roots.Count < 2 || ctx.LabPaths is not { } paths || !File.Exists(paths.AnsweringRoot)) return roots;
        var last = File.ReadAllText(paths.AnsweringRoot).Trim();
        var i = roots.ToList().FindIndex(u => u.ToString() == last);
        return i <= 0 ? roots : [.. roots.Skip(i), .. roots.Take(i)];
    }

    /// <summary>Notes which root answered, for the next command (only where a lab keeps its files).</summary>
    public static void Remember(RootClient client, CliContext ctx)
    {
        if (client.Roots.Count < 2 || client.Answered is not { } answered || ctx.LabPaths is not { } paths || !Directory.Exists(paths.Dir)) return;
        try { File.WriteAllText(paths.AnsweringRoot, answered + "\n"); }
        catch (IOException) { } // a hint only: the next command tries the roots in their own order
        catch (UnauthorizedAccessException) { }
    }

    /// <summary><c>OAK_TIMEOUT</c>: seconds a root may take to answer one request (default 30).</summary>
    public static TimeSpan Timeout(CliContext ctx)
    {
        var raw = ctx.Env("OAK_TIMEOUT");
        if (string.IsNullOrEmpty(raw)) return RootClient.DefaultTimeout;
        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) || s <= 0 || s > 3600)
            throw new UsageException($"OAK_TIMEOUT must be seconds between 0 and 3600, got '{raw}'");
        return TimeSpan.FromSeconds(s);
    }

    /// <summary>The client every root command uses: the roots answering-first, the timeout of <see cref="Timeout"/>, token and CA of <see cref="RootCredentials"/>.</summary>
    public static RootClient Client(ParsedArgs args, CliContext ctx)
    {
        var config = CliConfigFile.Load(ctx);
        return new(AnsweringFirst(Resolve(args, ctx, config), ctx), Timeout(ctx), RootCredentials.Resolve(args, ctx, config));
    }
}
