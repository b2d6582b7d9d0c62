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
                Usage.Positionals(a, 2, 0, "lab up [--workers N] [--sites M] [--roots R] [--demo] [--runtime process|container] [--timeout S] [--no-build]");
                var workers = a.IntOption("workers", 3);
                var sites = a.IntOption("sites", 1);
                var roots = a.IntOption("roots", 1);
                var timeout = TimeSpan.FromSeconds(a.IntOption("timeout", 120));
                var runtime = a.Option("runtime") ?? DemoRun.ProcessRuntime;
                a.RejectUnknownOptions();
                if (runtime is not (DemoRun.ProcessRuntime or DemoRun.ContainerRuntime))
                    throw new UsageException($"--runtime must be {DemoRun.ProcessRuntime} or {DemoRun.ContainerRuntime}, not {runtime}");
                if (a.Has("demo") && workers < 3) throw new UsageException("--demo places the demo service on w1, w2 and w3: it needs --workers 3 or more");
                var topology = LabCommandLines.ParseTopology(ctx.Env(LabCommandLines.TopologyVariable));
                LabLayout layout;
                try { layout = LabLayout.Create(workers, sites, Naming(ctx).Prefix, Naming(ctx).Bridge, Naming(ctx).Subnet, roots, tls: true); }
                catch (ArgumentException e) { throw new UsageException(e.Message.Split(" (Parameter", 2)[0]); }
                var paths = Paths(ctx);
                var runner = new LabRunner(ctx, paths, topology: topology);
                var state = await runner.UpAsync(layout, build: !a.Has("no-build"), timeout, ct);
                if (a.Has("demo"))
                {
                    using var root = new RootClient(state.AllRootUrls.Select(u => new Uri(u + "/")).ToList(), credentials: LabSecrets.Credentials(paths));
                    await new DemoRun(ctx, paths, layout) { Runtime = runtime }.RunAsync(root, timeout, ct);
                }
                return 0;
            }
            case "down":
                Usage.Positionals(a, 2, 0, "lab down");
                a.RejectUnknownOptions();
                RequireRoot("removes network namespaces");
                if (!new LabRunner(ctx, Paths(ctx)).Down(Naming(ctx).Prefix, Naming(ctx).Bridge)) ctx.Out.WriteLine("no lab running: nothing to do");
                return 0;
            case "image":
            {
                var words = Usage.Positionals(a, 2, 2, "lab image load <archive.tar>");
                a.RejectUnknownOptions();
                if (words[0] != "load") throw new UsageException("usage: oak lab image load <archive.tar>   (a docker or OCI archive)");
                RequireRoot("imports into the lab's containerd");
                var (prefix, _, _) = Naming(ctx);
                var address = LabContainers.Address(ctx.Env);
                foreach (var image in LabContainers.Import(address, LabContainers.Namespace(prefix), words[1]))
                    ctx.Out.WriteLine($"loaded {image} into containerd namespace {LabContainers.Namespace(prefix)} at {address}");
                return 0;
            }
            case "place":
            {
                using var root = RootAddress.Client(a, ctx);
                return await NodeCommands.PlaceAsync(a, ctx, root, ct);
            }
            case "status":
            {
                Usage.Positionals(a, 2, 0, "lab status [--json]");
                a.RejectUnknownOptions();
                var status = LabStatus.Read(Paths(ctx));
                if (a.Json) Printer.Json(ctx, status);
                else ctx.Out.Write(status.Render(ctx.Now));
                return 0;
            }
            case "kill":
            {
                var name = Usage.Positionals(a, 2, 1, "lab kill <process> [--signal KILL|TERM]")[0];
                var signal = LabChaos.ParseSignal(a.Option("signal"));
                a.RejectUnknownOptions();
                RequireRoot("signals the lab's processes");
                var p = LabChaos.Kill(Paths(ctx), name, signal);
                ctx.Out.WriteLine($"killed {p.Name} (pid {p.Pid}) with {signal.Name}; `oak lab start {p.Name}` starts it again");
                return 0;
            }
            case "start":
            {
                var name = Usage.Positionals(a, 2, 1, "lab start <process>")[0];
                a.RejectUnknownOptions();
                RequireRoot("starts processes in the lab's namespaces");
                var p = LabChaos.Start(Paths(ctx), name);
                ctx.Out.WriteLine($"started {p.Name} (pid {p.Pid}) in {p.Namespace} with its command line from lab up; log {Path.GetRelativePath(Paths(ctx).RepoRoot, p.Log)}");
                return 0;
            }
            case "cut":
            {
                var sides = Usage.Positionals(a, 2, 2, "lab cut <a> <b>   (a process, a site, or root: every root)");
                a.RejectUnknownOptions();
                RequireRoot("changes nftables in the lab's namespaces");
                var (_, cut, isNew) = LabCuts.Cut(Paths(ctx), sides[0], sides[1]);
                ctx.Out.WriteLine(isNew
                    ? $"cut {cut.A} ({string.Join(", ", cut.ANodes)}) from {cut.B} ({string.Join(", ", cut.BNodes)}): every packet between them is dropped, both ways; `oak lab heal` restores"
                    : $"{cut.A} and {cut.B} are already cut");
                return 0;
            }
            case "heal":
            {
                Usage.Positionals(a, 2, 0, "lab heal");
                a.RejectUnknownOptions();
                RequireRoot("changes nftables in the lab's namespaces");
                var healed = LabCuts.Heal(Paths(ctx));
                ctx.Out.WriteLine(healed.Count == 0 ? "no cuts: nothing to heal" : $"healed {string.Join(", ", healed.Select(c => $"{c.A} / {c.B}"))}");
                return 0;
            }
            default:
                throw new UsageException("usage: oak lab up|down|status|kill|start|cut|heal|place|image …");
        }
    }

    private static void RequireRoot(string why)
    {
        if (!Shell.IsRoot) throw new CliFailure($"the lab needs root (it {why}); run as root");
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
