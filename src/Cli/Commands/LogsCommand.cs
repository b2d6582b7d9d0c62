using System.Globalization;
using Oakestra.Actors.Cli.Api;
using Oakestra.Actors.Cli.Parsing;

namespace Oakestra.Actors.Cli.Commands;

/// <summary>
/// `oak logs <instance> [-f] [--tail N]`: the instance's output as its worker's log holds it (process and container
/// instances alike), streamed through the root (GET /api/v1/instances/{id}/logs). With -f it keeps printing while the
/// instance runs and ends when it no longer does (or on Ctrl-C).
/// </summary>
public static class LogsCommand
{
    public const string UsageLine = "logs <instance> [-f|--follow] [--tail N]";

    public static async Task<int> RunAsync(ParsedArgs a, CliContext ctx, RootClient root, CancellationToken ct)
    {
        var id = Usage.Positionals(a, 1, 1, UsageLine)[0];
        var tailText = a.Option("tail");
        a.RejectUnknownOptions();
        int? tail = null;
        if (tailText is not null)
        {
            if (!int.TryParse(tailText, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                throw new UsageException($"--tail must be a non-negative integer, got '{tailText}'");
            tail = n;
        }
        var query = new List<string>();
        if (tail is { } lines) query.Add($"tail={lines}");
        if (a.Has("follow")) query.Add("follow=true");
        var path = $"api/v1/instances/{RootClient.Escape(id)}/logs{(query.Count == 0 ? "" : "?" + string.Join('&', query))}";
        await root.StreamTextAsync(path, async text =>
        {
            await ctx.Out.WriteAsync(text);
            await ctx.Out.FlushAsync(ct);
        }, ct);
        return CliApp.Ok;
    }
}
