using System.Globalization;
using System.Text.Json.Nodes;
using Oakestra.Actors.Cli.Api;
using Oakestra.Actors.Cli.Output;
using Oakestra.Actors.Cli.Parsing;

namespace Oakestra.Actors.Cli.Commands;

public static class ServiceCommands
{
    public static async Task<int> DeployAsync(ParsedArgs a, CliContext ctx, RootClient root, CancellationToken ct)
    {
        var file = Usage.Positionals(a, 1, 1, "deploy <sla.json> [--idempotency-key K] [--retry-for S]")[0];
        var key = a.Option("idempotency-key");
        if (key is not null && (key.Length is 0 or > Deployer.MaxKeyLength || key.Any(c => c is < '!' or > '~')))
            throw new UsageException($"--idempotency-key takes 1-{Deployer.MaxKeyLength} visible ASCII characters");
        if (a.Option("retry-for") is { } retry)
        {
            if (!double.TryParse(retry, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds < 0)
                throw new UsageException($"--retry-for takes seconds, got '{retry}'");
            root.RetryFor = TimeSpan.FromSeconds(seconds);
        }
        a.RejectUnknownOptions();
        if (!File.Exists(file)) throw new CliFailure($"no such file: {file}");
        var (services, ignored) = await Deployer.DeployWithIgnoredAsync(root, await File.ReadAllTextAsync(file, ct), ct, key);
        if (a.Json) { Printer.Json(ctx, new { services, ignored_fields = ignored }); return 0; }
        // Accepted but not acted on: said on stderr, so nothing in the SLA is dropped in silence and stdout stays the result.
        foreach (var i in ignored) ctx.Err.WriteLine($"oak: ignored {i.Field}: {i.Reason}");
        foreach (var s in services)
        {
            ctx.Out.WriteLine($"deployed {s.Id}");
            ctx.Out.Write(Views.ServiceIps(s));
            ctx.Out.Write(Views.Instances(s.Instances ?? []));
            ctx.Out.WriteLine();
        }
        return 0;
    }

    public static Task<int> ListAsync(ParsedArgs a, CliContext ctx, RootClient root, CancellationToken ct) =>
        Listing.ShowAsync<Service>(a, ctx, root, "services", Views.Services, ct);

    public static async Task<int> ShowAsync(ParsedArgs a, CliContext ctx, RootClient root, CancellationToken ct)
    {
        var id = Usage.Positionals(a, 1, 1, "service <id>")[0];
        a.RejectUnknownOptions();
        return Print(a, ctx, await root.GetAsync($"api/v1/services/{RootClient.Escape(id)}", ct));
    }

    public static async Task<int> ScaleAsync(ParsedArgs a, CliContext ctx, RootClient root, CancellationToken ct)
    {
        var p = Usage.Positionals(a, 1, 2, "scale <service> <count> [--node X]");
        if (!int.TryParse(p[1], NumberStyles.None, CultureInfo.InvariantCulture, out var replicas))
            throw new UsageException($"<count> must be a non-negative integer, got '{p[1]}'");
        var node = a.Option("node");
        a.RejectUnknownOptions();
        return Print(a, ctx, await root.PostAsync($"api/v1/services/{RootClient.Escape(p[0])}/scale", new { replicas, node }, ct));
    }

    public static async Task<int> UndeployAsync(ParsedArgs a, CliContext ctx, RootClient root, CancellationToken ct)
    {
        var id = Usage.Positionals(a, 1, 1, "undeploy <service|instance>")[0];
        a.RejectUnknownOptions();
        if (IsInstanceId(id))
        {
            var raw = await root.DeleteAsync($"api/v1/instances/{RootClient.Escape(id)}", ct);
            if (a.Json) { Printer.Json(ctx, raw); return 0; }
            var i = RootClient.Read<Instance>(raw, "DELETE instance");
            ctx.Out.WriteLine($"undeployed instance {i.Id} ({i.Status})");
            return 0;
        }
        var sraw = await root.DeleteAsync($"api/v1/services/{RootClient.Escape(id)}", ct);
        if (a.Json) { Printer.Json(ctx, sraw); return 0; }
        var s = RootClient.Read<Service>(sraw, "DELETE service");
        ctx.Out.WriteLine($"undeployed service {s.Id} and its {s.Instances?.Count ?? 0} instances; its addresses are quarantined");
        return 0;
    }

    public static async Task<int> MigrateAsync(ParsedArgs a, CliContext ctx, RootClient root, CancellationToken ct)
    {
        var id = Usage.Positionals(a, 1, 1, "migrate <instance> --to <node>")[0];
        var to = a.Option("to") ?? throw new UsageException("usage: oak migrate <instance> --to <node>");
        a.RejectUnknownOptions();
        var raw = await root.PostAsync($"api/v1/instances/{RootClient.Escape(id)}/migrate", new { target_node = to }, ct);
        if (a.Json) { Printer.Json(ctx, raw); return 0; }
        var i = RootClient.Read<Instance>(raw, "migrate");
        ctx.Out.WriteLine($"instance {i.Id}: {i.Status}, {i.Placement?.Node ?? "-"} → {i.MigrationTarget?.Node ?? to}");
        return 0;
    }

    /// <summary>Service id has four dotted names; an instance id adds its number (docs/API.md).</summary>
    public static bool IsInstanceId(string id)
    {
        var parts = id.Split('.');
        return parts.Length == 5 && parts[4].Length > 0 && parts[4].All(char.IsAsciiDigit);
    }

    private static int Print(ParsedArgs a, CliContext ctx, JsonNode raw)
    {
        if (a.Json) { Printer.Json(ctx, raw); return 0; }
        ctx.Out.Write(Views.Service(RootClient.Read<Service>(raw, "service")));
        return 0;
    }
}
