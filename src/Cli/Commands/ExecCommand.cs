using Oakestra.Actors.Cli.Api;
using Oakestra.Actors.Cli.Instances;
using Oakestra.Actors.Cli.Lab;
using Oakestra.Actors.Cli.Parsing;

namespace Oakestra.Actors.Cli.Commands;

/// <summary>`oak exec <instance> -- cmd…`: <c>ip netns exec</c> into the instance's namespace, stdio and exit code passed through.</summary>
public static class ExecCommand
{
    public static async Task<int> RunAsync(ParsedArgs a, CliContext ctx, RootClient root, CancellationToken ct)
    {
        var id = Usage.Positionals(a, 1, 1, "exec <instance> -- <cmd...>")[0];
        if (a.Passthrough is not { Count: > 0 } command) throw new UsageException("usage: oak exec <instance> -- <cmd...>");
        var prefix = InstanceNamespaceResolver.Prefix(a.Option("netns-prefix"), ctx);
        a.RejectUnknownOptions();
        var (ns, _) = await InstanceNamespaceResolver.ResolveAsync(root, id, prefix, ct);
        if (!File.Exists(Path.Combine("/run/netns", ns)))
            throw new CliFailure($"network namespace {ns} of instance {id} does not exist on this machine");
        ctx.Out.Flush();
        return Shell.Interactive("ip", ["netns", "exec", ns, .. command]);
    }
}
