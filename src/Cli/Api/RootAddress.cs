using Oakestra.Actors.Cli.Parsing;

namespace Oakestra.Actors.Cli.Api;

/// <summary>Where the root is: <c>--root</c>, else <c>OAK_ROOT</c>, else the lab's <c>.lab/env</c>, else the default.</summary>
public static class RootAddress
{
    public const string Default = "http://127.0.0.1:10000";

    public static Uri Resolve(ParsedArgs args, CliContext ctx)
    {
        var raw = args.Options.TryGetValue("root", out var r) ? r
            : ctx.Env("OAK_ROOT") is { Length: > 0 } e ? e
            : ctx.LabPaths?.ReadEnv().GetValueOrDefault("OAK_ROOT") ?? Default;
        if (!raw.Contains("://", StringComparison.Ordinal)) raw = "http://" + raw;
        if (!Uri.TryCreate(raw.TrimEnd('/') + "/", UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            throw new UsageException($"root address '{raw}' is not an http URL");
        return uri;
    }
}
