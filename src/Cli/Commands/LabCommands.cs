using Oakestra.Actors.Cli.Api;
using Oakestra.Actors.Cli.Lab;
using Oakestra.Actors.Cli.Parsing;

namespace Oakestra.Actors.Cli.Commands;

public static class LabCommands
{
    public static async Task<int> RunAsync(ParsedArgs a, CliContext ctx, CancellationToken ct)
    {
        var sub = a.Positionals.Count > 1 ? a.Positionals[1] : null;
        switch (sub)
        {
            case "up":
            {
                Usage.Positionals(a, 2, 0, "lab up [--workers N] [--sites M] [--demo] [--timeout S] [--no-build]");
                var workers = a.IntOption("workers", 3);
                var sites = a.IntOption("sites", 1);
                var timeout = TimeSpan.FromSeconds(a.IntOption("timeout", 120));
                a.RejectUnknownOptions();
                if (a.Has("demo") && workers < 3) throw new UsageException("--demo places the demo service on w1, w2 and w3: it needs --workers 3 or more");
                LabLayout layout;
                try { layout = LabLayout.Create(workers, sites, Naming(ctx).Prefix, Naming(ctx).Bridge, Naming(ctx).Subnet); }
                catch (ArgumentException e) { throw new UsageException(e.Message.Split(" (Parameter", 2)[0]); }
                var paths = Paths(ctx);
                var runner = new LabRunner(ctx, paths);
                var state = await runner.UpAsync(layout, build: !a.Has("no-build"), timeout, ct);
                if (a.Has("demo"))
                {
                    using var root = new RootClient(new Uri(state.RootUrl + "/"));
                    await new DemoRun(ctx, paths, layout).RunAsync(root, timeout, ct);
                }
                return 0;
            }
            case "down":
                Usage.Positionals(a, 2, 0, "lab down");
                a.RejectUnknownOptions();
                if (!Shell.IsRoot) throw new CliFailure("the lab needs root (it removes network namespaces); run as root");
                if (!new LabRunner(ctx, Paths(ctx)).Down(Naming(ctx).Prefix, Naming(ctx).Bridge)) ctx.Out.WriteLine("no lab running: nothing to do");
                return 0;
            case "place":
            {
                using var root = new RootClient(RootAddress.Resolve(a, ctx));
                return await NodeCommands.PlaceAsync(a, ctx, root, ct);
            }
            default:
                throw new UsageException("usage: oak lab up|down|place …");
        }
    }

    /// <summary>
    /// The lab's names: <c>oaklab-</c>, <c>oaklab0</c>, <c>10.99.0</c>. Tests (and anyone running a second lab
    /// beside a real one) override them with OAK_LAB_PREFIX, OAK_LAB_BRIDGE and OAK_LAB_SUBNET (first three octets).
    /// </summary>
    public static (string Prefix, string Bridge, string Subnet) Naming(CliContext ctx) =>
        (ctx.Env("OAK_LAB_PREFIX") is { Length: > 0 } p ? p : LabLayout.LabPrefix,
         ctx.Env("OAK_LAB_BRIDGE") is { Length: > 0 } b ? b : LabLayout.LabBridge,
         ctx.Env("OAK_LAB_SUBNET") is { Length: > 0 } s ? s : LabLayout.LabSubnet);

    private static LabPaths Paths(CliContext ctx) =>
        ctx.LabPaths ?? throw new CliFailure("the lab runs from a checkout of Oakestra.Actors (set OAK_HOME or run ./oak from it)");
}
