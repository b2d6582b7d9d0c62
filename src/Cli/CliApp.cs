using Oakestra.Actors.Cli.Api;
using Oakestra.Actors.Cli.Commands;
using Oakestra.Actors.Cli.Output;
using Oakestra.Actors.Cli.Parsing;

namespace Oakestra.Actors.Cli;

/// <summary>Parses, dispatches, and turns every failure into an exit code and one line on stderr.</summary>
public static class CliApp
{
    public const int Ok = 0, Failed = 1, BadUsage = 2;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliContext ctx, CancellationToken ct = default)
    {
        try
        {
            var a = ArgParser.Parse(args);
            if (a.Command is null || a.Has("help") || a.Command == "help")
            {
                ctx.Out.WriteLine(Usage.Text);
                return a.Command is null && !a.Has("help") ? BadUsage : Ok;
            }
            if (a.Command == "lab") return await LabCommands.RunAsync(a, ctx, ct);

            Func<ParsedArgs, CliContext, RootClient, CancellationToken, Task<int>> handler = a.Command switch
            {
                "deploy" => ServiceCommands.DeployAsync,
                "services" => ServiceCommands.ListAsync,
                "service" => ServiceCommands.ShowAsync,
                "scale" => ServiceCommands.ScaleAsync,
                "undeploy" => ServiceCommands.UndeployAsync,
                "migrate" => ServiceCommands.MigrateAsync,
                "nodes" => NodeCommands.ListAsync,
                "addresses" => (a, c, r, t) => Listing.ShowAsync<HeldAddress>(a, c, r, "addresses/held", Views.HeldAddresses, t, noun: "addresses"),
                "sites" => NodeCommands.SitesAsync,
                "drain" => NodeCommands.DrainAsync,
                "uncordon" => NodeCommands.UncordonAsync,
                "table" => NodeCommands.TableAsync,
                "exec" => ExecCommand.RunAsync,
                "logs" => LogsCommand.RunAsync,
                _ => throw new UsageException($"unknown command '{a.Command}' (oak --help lists them)"),
            };
            using var root = RootAddress.Client(a, ctx);
            try { return await handler(a, ctx, root, ct); }
            finally { RootAddress.Remember(root, ctx); }
        }
        catch (UsageException e)
        {
            ctx.Err.WriteLine($"oak: {e.Message}");
            return BadUsage;
        }
        catch (CliFailure e)
        {
            ctx.Err.WriteLine($"oak: {e.Message}");
            return Failed;
        }
    }
}
