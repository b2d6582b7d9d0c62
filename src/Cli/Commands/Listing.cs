using Oakestra.Actors.Cli.Api;
using Oakestra.Actors.Cli.Parsing;

namespace Oakestra.Actors.Cli.Commands;

/// <summary>A command that lists what one GET returns: the root's document with --json, else a table or "(no …)".</summary>
public static class Listing
{
    /// <param name="noun">What the command lists, for its usage and "(no …)" line; <paramref name="what"/> (the path under api/v1) when null.</param>
    public static async Task<int> ShowAsync<T>(ParsedArgs a, CliContext ctx, RootClient root, string what, Func<List<T>, string> table, CancellationToken ct, string? noun = null)
    {
        Usage.Positionals(a, 1, 0, noun ?? what);
        a.RejectUnknownOptions();
        var path = $"api/v1/{what}";
        var raw = await root.GetAsync(path, ct);
        if (a.Json) { Printer.Json(ctx, raw); return 0; }
        var items = RootClient.Read<List<T>>(raw, $"GET /{path}");
        ctx.Out.Write(items.Count == 0 ? $"(no {noun ?? what})\n" : table(items));
        return 0;
    }
}
