using Oakestra.Actors.Cli.Api;
using Oakestra.Actors.Cli.Output;

namespace Oakestra.Actors.Cli.Lab;

/// <summary>`oak lab up` and `oak lab down`: fabric, processes, state file, waiting for registration.</summary>
public sealed class LabRunner(CliContext ctx, LabPaths paths, LabPrograms? programs = null)
{
    private readonly LabPrograms _programs = programs ?? LabPrograms.Dotnet(paths);

    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(8);

    public async Task<LabState> UpAsync(LabLayout layout, bool build, TimeSpan timeout, CancellationToken ct)
    {
        if (!Shell.IsRoot) throw new CliFailure("the lab needs root (it creates network namespaces); run as root");
        if (LabState.Load(paths) is not null || LabFabric.Namespaces(layout.Prefix).Count > 0)
            throw new CliFailure("lab already running, `oak lab down` first");
        LabFabric.CheckFree(layout);
        if (build) _programs.Build?.Invoke(ctx.Out);
        _programs.Check?.Invoke();

        // A fresh runtime folder; logs of the previous lab go with it.
        foreach (var dir in new[] { paths.Logs, paths.Data, paths.Nodes })
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(paths.Logs);
        Directory.CreateDirectory(paths.Data);
        foreach (var w in layout.Workers) Directory.CreateDirectory(Path.Combine(paths.Nodes, w.Name));

        LabFabric.Create(layout);
        var processes = new List<LabProcess>();
        var state = new LabState(layout.Prefix, layout.Bridge, layout.RootUrl, DateTimeOffset.UtcNow, layout.Nodes, processes);
        state.Save(paths);
        paths.WriteEnv(new Dictionary<string, string> { ["OAK_ROOT"] = layout.RootUrl, ["OAK_NETNS_PREFIX"] = layout.Prefix });
        ctx.Out.WriteLine($"fabric: bridge {layout.Bridge} {layout.HostAddress}/24, {layout.Nodes.Count} namespaces {layout.Prefix}*");

        void Launch(string name, LabNode node, IReadOnlyList<string> command)
        {
            processes.Add(LabProcesses.Start(name, node.Namespace(layout.Prefix), command, paths.Log(name)));
            (state with { Processes = [.. processes] }).Save(paths);
        }

        Launch("root", layout.Root, _programs.Root(layout));
        using var root = new RootClient(new Uri(layout.RootUrl + "/"), TimeSpan.FromSeconds(5));
        await WaitAsync("the root's HTTP API", timeout, processes, async () =>
        {
            try { await root.GetAsync("api/v1/health", ct); return null; }
            catch (CliFailure e) { return e.Message; }
        }, () => "root", ct);

        foreach (var o in layout.Orchestrators) Launch(o.Name, o, _programs.Orchestrator(layout, o));
        foreach (var w in layout.Workers) Launch(w.Name, w, _programs.Worker(layout, w));
        ctx.Out.WriteLine($"started {processes.Count} processes; waiting for {layout.Workers.Count()} workers to register …");

        IReadOnlyList<Node> nodes = [];
        var firstMissing = layout.Workers.First().Name;
        await WaitAsync("every worker to register", timeout, processes, async () =>
        {
            try { nodes = await root.GetAsync<List<Node>>("api/v1/nodes", ct); }
            catch (CliFailure e) { return e.Message; }
            var missing = layout.Workers.Select(w => w.Name).Except(nodes.Select(n => n.Name)).ToList();
            if (missing.Count > 0) firstMissing = missing[0];
            return missing.Count == 0 ? null : $"not registered yet: {string.Join(", ", missing)}";
        }, () => firstMissing, ct);

        state = state with { Processes = [.. processes] };
        ctx.Out.WriteLine();
        ctx.Out.Write(Views.Nodes(nodes));
        ctx.Out.WriteLine();
        ctx.Out.WriteLine($"root API: {layout.RootUrl}   (written to .lab/env; logs in .lab/logs)");
        return state;
    }

    /// <summary>
    /// Polls <paramref name="probe"/> (null = done) once a second. Fails when a lab process exits (naming
    /// its log) or when the timeout passes (naming the log most likely to say why).
    /// </summary>
    private async Task WaitAsync(string what, TimeSpan timeout, IReadOnlyList<LabProcess> processes, Func<Task<string?>> probe, Func<string> likelyLog, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "";
        while (true)
        {
            var problem = await probe();
            if (problem is null) return;
            last = problem;
            if (processes.FirstOrDefault(p => !LabProcesses.Alive(p.Pid)) is { } dead)
                throw new CliFailure($"{dead.Name} exited while waiting for {what}: {LabProcesses.LastLine(dead.Log)} (see .lab/logs/{dead.Name}.log; `oak lab down` cleans up)");
            if (DateTime.UtcNow >= deadline)
                throw new CliFailure($"timed out after {timeout.TotalSeconds:0}s waiting for {what} ({last}); see .lab/logs/{likelyLog()}.log, `oak lab down` cleans up");
            await Task.Delay(1000, ct);
        }
    }

    /// <summary>Stops everything the lab started and removes its network objects. Idempotent.</summary>
    public bool Down(string defaultPrefix = LabLayout.LabPrefix, string defaultBridge = LabLayout.LabBridge)
    {
        var state = LabState.Load(paths);
        var prefix = state?.Prefix ?? defaultPrefix;
        var bridge = state?.Bridge ?? defaultBridge;
        var namespaces = LabFabric.Namespaces(prefix);
        if (state is null && namespaces.Count == 0 && !LabFabric.LinkExists(bridge) && !File.Exists(paths.EnvFile))
            return false;

        // Our own processes, by pid, only if the pid still runs what we started.
        var pids = (state?.Processes ?? []).Where(p => LabProcesses.CommandLine(p.Pid).Contains("netns", StringComparison.Ordinal)
            || LabProcesses.CommandLine(p.Pid).Contains(p.Command.Count > 1 ? p.Command[1] : "dotnet", StringComparison.Ordinal)).Select(p => p.Pid).ToList();
        var hard = LabProcesses.Stop(pids, StopGrace);
        // Then whatever still lives in a lab namespace: instances the workers started and did not stop.
        var leftovers = namespaces.SelectMany(LabFabric.Pids).ToList();
        hard += LabProcesses.Stop(leftovers, TimeSpan.FromSeconds(3));

        var removed = LabFabric.Remove(prefix, bridge);
        foreach (var f in new[] { paths.StateFile, paths.EnvFile }) if (File.Exists(f)) File.Delete(f);
        foreach (var d in new[] { paths.Data, paths.Nodes }) if (Directory.Exists(d)) Directory.Delete(d, recursive: true);
        ctx.Out.WriteLine($"lab down: stopped {pids.Count + leftovers.Count} processes ({hard} killed after the grace period), removed {removed.Count(r => r.StartsWith("netns", StringComparison.Ordinal))} namespaces and the bridge; logs kept in .lab/logs");
        return true;
    }
}
