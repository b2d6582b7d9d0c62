using System.Globalization;
using Oakestra.Actors.Cli.Api;
using Oakestra.Actors.Cli.Output;
using Oakestra.Actors.Cli.Parsing;

namespace Oakestra.Actors.Cli.Commands;

public static class NodeCommands
{
    public static Task<int> ListAsync(ParsedArgs a, CliContext ctx, RootClient root, CancellationToken ct) =>
        Listing.ShowAsync<Node>(a, ctx, root, "nodes", nodes => Views.Nodes(nodes, ctx.Now), ct);

    /// <summary>`oak sites`: each site's link to the root tier (GET /api/v1/sites).</summary>
    public static Task<int> SitesAsync(ParsedArgs a, CliContext ctx, RootClient root, CancellationToken ct) =>
        Listing.ShowAsync<Site>(a, ctx, root, "sites", sites => Views.Sites(sites, ctx.Now), ct);

    /// <summary>`oak drain &lt;node&gt;`: the root moves every instance off the node (make-before-break); prints what moves.</summary>
    public static async Task<int> DrainAsync(ParsedArgs a, CliContext ctx, RootClient root, CancellationToken ct)
    {
        var node = Usage.Positionals(a, 1, 1, "drain <node>")[0];
        a.RejectUnknownOptions();
        var raw = await root.PostAsync($"api/v1/nodes/{RootClient.Escape(node)}/drain", null, ct);
        if (a.Json) { Printer.Json(ctx, raw); return 0; }
        var drain = RootClient.Read<Drain>(raw, "drain");
        var moving = drain.Instances ?? [];
        ctx.Out.WriteLine(moving.Count == 0
            ? $"draining {drain.Node ?? node}: no instances to move"
            : $"draining {drain.Node ?? node}: moving {moving.Count} instance{(moving.Count == 1 ? "" : "s")} to other nodes (make-before-break)");
        foreach (var id in moving) ctx.Out.WriteLine($"  {id}");
        var skipped = drain.Skipped ?? [];
        foreach (var s in skipped) ctx.Err.WriteLine($"oak: cannot move {s.Instance} now: {s.Reason}");
        // A node not emptied is not drained: a script must not go on to switch it off.
        return skipped.Count == 0 ? 0 : 1;
    }

    /// <summary>`oak uncordon &lt;node&gt;`: the node takes new placements again.</summary>
    public static async Task<int> UncordonAsync(ParsedArgs a, CliContext ctx, RootClient root, CancellationToken ct)
    {
        var node = Usage.Positionals(a, 1, 1, "uncordon <node>")[0];
        a.RejectUnknownOptions();
        var raw = await root.PostAsync($"api/v1/nodes/{RootClient.Escape(node)}/uncordon", null, ct);
        if (a.Json) { Printer.Json(ctx, raw); return 0; }
        ctx.Out.WriteLine($"{node} takes placements again");
        return 0;
    }

    public static async Task<int> TableAsync(ParsedArgs a, CliContext ctx, RootClient root, CancellationToken ct)
    {
        var node = Usage.Positionals(a, 1, 1, "table <node>")[0];
        a.RejectUnknownOptions();
        var raw = await root.GetAsync($"api/v1/nodes/{RootClient.Escape(node)}/table", ct);
        if (a.Json) Printer.Json(ctx, raw);
        else ctx.Out.Write(NodeTableText.Render(raw));
        return 0;
    }

    /// <summary>`lab place`: PUT /api/v1/nodes/{node}/location (documented in docs/API.md).</summary>
    public static async Task<int> PlaceAsync(ParsedArgs a, CliContext ctx, RootClient root, CancellationToken ct)
    {
        var p = Usage.Positionals(a, 2, 3, "lab place <node> <lat> <lon>");
        a.RejectUnknownOptions();
        var latitude = Coordinate(p[1], "latitude", 90);
        var longitude = Coordinate(p[2], "longitude", 180);
        var raw = await root.PutAsync($"api/v1/nodes/{RootClient.Escape(p[0])}/location", new { latitude, longitude }, ct);
        if (a.Json) { Printer.Json(ctx, raw); return 0; }
        ctx.Out.WriteLine($"{p[0]} is now at {latitude.ToString(CultureInfo.InvariantCulture)}, {longitude.ToString(CultureInfo.InvariantCulture)}");
        return 0;
    }

    private static double Coordinate(string raw, string name, double limit)
    {
        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || double.IsNaN(v) || Math.Abs(v) > limit)
            throw new UsageException($"{name} must be a number between -{limit} and {limit}, got '{raw}'");
        return v;
    }
}
