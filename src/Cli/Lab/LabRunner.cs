using System.Diagnostics;
using Oakestra.Actors.Cli.Api;
using Oakestra.Actors.Cli.Output;

namespace Oakestra.Actors.Cli.Lab;

/// <summary>`oak lab up` and `oak lab down`: fabric, processes, state file, waiting for registration.</summary>
public sealed class LabRunner(CliContext ctx, LabPaths paths, LabPrograms? programs = null, LabTopology topology = LabCommandLines.DefaultTopology)
{
    private readonly LabPrograms _programs = programs ?? LabPrograms.Dotnet(paths, topology);

    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(8);

    /// <summary>How often a long wait says it is still waiting, and for what.</summary>
    public static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(10);

    public async Task<LabState> UpAsync(LabLayout layout, bool build, TimeSpan timeout, CancellationToken ct)
    {
        if (!Shell.IsRoot) throw new CliFailure("the lab needs root (it creates network namespaces); run as root");
        if (LabState.Load(paths) is not null || LabFabric.Namespaces(layout.Prefix).Count > 0 || LabPostgres.Pid(paths) is not null)
            throw new CliFailure("lab already running, `oak lab down` first");
        LabFabric.CheckFree(layout);
        if (layout.Database is not null) LabPostgres.CheckReachable(paths);
        if (build) _programs.Build?.Invoke(ctx.Out);
        _programs.Check?.Invoke();

        // A fresh runtime folder; logs of the previous lab go with it.
        foreach (var dir in new[] { paths.Logs, paths.Data, paths.Nodes })
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(paths.Logs);
        Directory.CreateDirectory(paths.Data);
        foreach (var w in layout.Workers) Directory.CreateDirectory(Path.Combine(paths.Nodes, w.Name));
        if (File.Exists(paths.AnsweringRoot)) File.Delete(paths.AnsweringRoot);
        LabSecrets.WriteToken(paths);
        if (layout.Tls) LabTls.Create(paths, layout.Nodes);
        var credentials = LabSecrets.Credentials(paths);

        LabFabric.Create(layout);
        var state = new LabState(layout.Prefix, layout.Bridge, layout.RootUrl, DateTimeOffset.UtcNow, layout.Nodes, [],
            layout.RootUrls, LabCommandLines.Name(topology), layout.Database, []);
        state.Save(paths);
        paths.WriteEnv(new Dictionary<string, string> { ["OAK_ROOT"] = string.Join(",", layout.RootUrls), ["OAK_NETNS_PREFIX"] = layout.Prefix });
        ctx.Out.WriteLine($"fabric: bridge {layout.Bridge} {layout.HostAddress}/24, {layout.Nodes.Count} namespaces {layout.Prefix}*");
        var total = Stopwatch.StartNew();

        if (layout.Database is { } db)
        {
            var sw = Stopwatch.StartNew();
            ctx.Out.WriteLine($"postgres: creating the roots' database cluster in .lab/pg on {db.Host}:{db.Port} …");
            LabPostgres.Create(paths, db, layout.Subnet);
            ctx.Out.WriteLine($"postgres: database {db.Name} ready ({Elapsed(sw)}; log .lab/logs/{LabPostgres.Log}.log)");
        }

        var processes = new List<LabProcess>();
        void Launch(LabNode node, IReadOnlyList<string> command)
        {
            var p = LabProcesses.Start(node.Name, node.Namespace(layout.Prefix), command, paths.Log(node.Name));
            processes.Add(p);
            LabState.Update(paths, s => s with { Processes = [.. s.Processes, p] });
        }

        // The first root alone first: it forms the root tier and creates the journal's tables; the others join it.
        Launch(layout.Root, _programs.Root(layout, layout.Root));
        await WaitRootAsync(layout, layout.Root, "root", "the root's HTTP API", timeout, processes, credentials, ct);
        var extra = layout.Roots.Skip(1).ToList();
        if (extra.Count > 0)
        {
            var sw = Stopwatch.StartNew();
            foreach (var r in extra) Launch(r, _programs.Root(layout, r));
            foreach (var r in extra) await WaitRootAsync(layout, r, "roots' cluster", $"{r.Name}'s HTTP API", timeout, processes, credentials, ct);
            ctx.Out.WriteLine($"roots' cluster: {extra.Count + 1} roots answering ({Elapsed(sw)})");
        }

        var registering = Stopwatch.StartNew();
        foreach (var site in layout.Sites)
        {
            var members = layout.SiteMembers(site).ToList();
            foreach (var m in members)
                Launch(m, m.Role == LabRole.Orchestrator ? _programs.Orchestrator(layout, m) : _programs.Worker(layout, m));
            ctx.Out.WriteLine($"{site}: started {string.Join(", ", members.Select(m => m.Name))}");
        }
        ctx.Out.WriteLine($"workers: waiting for {layout.Workers.Count()} to register …");

        using var root = new RootClient(layout.RootUrls.Select(u => new Uri(u + "/")).ToList(), TimeSpan.FromSeconds(5), credentials);
        IReadOnlyList<Node> nodes = [];
        var registered = new HashSet<string>(StringComparer.Ordinal);
        var sitesDone = new HashSet<string>(StringComparer.Ordinal);
        var firstMissing = layout.Workers.First().Name;
        await WaitAsync("every worker to register", timeout, processes, async () =>
        {
            try { nodes = await root.GetAsync<List<Node>>("api/v1/nodes", ct); }
            catch (CliFailure e) { return e.Message; }
            foreach (var w in layout.Workers.Where(w => nodes.Any(n => n.Name == w.Name) && registered.Add(w.Name)))
                ctx.Out.WriteLine($"workers: {w.Name} registered ({w.Site}, {Elapsed(registering)})");
            foreach (var site in layout.Sites.Where(s => layout.Workers.Where(w => w.Site == s).All(w => registered.Contains(w.Name)) && sitesDone.Add(s)))
                ctx.Out.WriteLine($"{site}: every worker registered ({Elapsed(registering)})");
            var missing = layout.Workers.Select(w => w.Name).Where(n => !registered.Contains(n)).ToList();
            if (missing.Count > 0) firstMissing = missing[0];
            return missing.Count == 0 ? null : $"not registered yet: {string.Join(", ", missing)}";
        }, () => firstMissing, ct);
        ctx.Out.WriteLine($"workers registered: {registered.Count} of {layout.Workers.Count()} ({Elapsed(registering)}; lab up in {Elapsed(total)})");

        state = LabState.Load(paths) ?? state;
        ctx.Out.WriteLine();
        ctx.Out.Write(Views.Nodes(nodes, ctx.Now));
        ctx.Out.WriteLine();
        ctx.Out.WriteLine($"root API: {string.Join(",", layout.RootUrls)}   (written to .lab/env; token in .lab/api-token, used by ./oak; logs in .lab/logs)");
        return state;
    }

    private async Task WaitRootAsync(LabLayout layout, LabNode node, string phase, string what, TimeSpan timeout, IReadOnlyList<LabProcess> processes, RootCredentials credentials, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        var url = layout.UrlOf(node);
        ctx.Out.WriteLine($"{phase}: waiting for {node.Name}'s HTTP API at {url} …");
        using var client = new RootClient(new Uri(url + "/"), TimeSpan.FromSeconds(5), credentials);
        await WaitAsync(what, timeout, processes, async () =>
        {
            try { await client.GetAsync("api/v1/health", ct); return null; }
            catch (CliFailure e) { return e.Message; }
        }, () => node.Name, ct);
        ctx.Out.WriteLine($"{phase}: {node.Name} answering ({Elapsed(sw)})");
    }

    private static string Elapsed(Stopwatch sw) => $"{sw.Elapsed.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)} s";

    /// <summary>
    /// Polls <paramref name="probe"/> (null = done) once a second, saying every <see cref="ProgressEvery"/> what it
    /// still waits for. Fails when a lab process exits (naming its log) or when the timeout passes (naming the log
    /// most likely to say why).
    /// </summary>
    private async Task WaitAsync(string what, TimeSpan timeout, IReadOnlyList<LabProcess> processes, Func<Task<string?>> probe, Func<string> likelyLog, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        var nextProgress = ProgressEvery;
        var last = "";
        while (true)
        {
            var problem = await probe();
            if (problem is null) return;
            last = problem;
            if (processes.FirstOrDefault(p => !LabProcesses.Alive(p.Pid)) is { } dead)
                throw new CliFailure($"{dead.Name} exited while waiting for {what}: {LabProcesses.LastLine(dead.Log)} (see .lab/logs/{dead.Name}.log; `oak lab down` cleans up)");
            if (sw.Elapsed >= timeout)
                throw new CliFailure($"timed out after {timeout.TotalSeconds:0}s waiting for {what} ({last}); see .lab/logs/{likelyLog()}.log, `oak lab down` cleans up");
            if (sw.Elapsed >= nextProgress)
            {
                ctx.Out.WriteLine($"  … still waiting for {what} after {sw.Elapsed.TotalSeconds:0} s: {last}");
                nextProgress += ProgressEvery;
            }
            await Task.Delay(1000, ct);
        }
    }

    /// <summary>Stops everything the lab started and removes its network objects and its database. Idempotent.</summary>
    public bool Down(string defaultPrefix = LabLayout.LabPrefix, string defaultBridge = LabLayout.LabBridge)
    {
        var state = LabState.Load(paths);
        var prefix = state?.Prefix ?? defaultPrefix;
        var bridge = state?.Bridge ?? defaultBridge;
        var namespaces = LabFabric.Namespaces(prefix);
        if (state is null && namespaces.Count == 0 && !LabFabric.LinkExists(bridge) && !File.Exists(paths.EnvFile) && !Directory.Exists(paths.Postgres))
            return false;

        // Our own processes, by pid, only if the pid still runs what we started.
        var pids = (state?.Processes ?? []).Where(p => LabProcesses.Runs(p.Pid, p.Command)).Select(p => p.Pid).ToList();
        var hard = LabProcesses.Stop(pids, StopGrace);
        // Then whatever still lives in a lab namespace: instances the workers started and did not stop.
        var leftovers = namespaces.SelectMany(LabFabric.Pids).ToList();
        hard += LabProcesses.Stop(leftovers, TimeSpan.FromSeconds(3));
        // Containers the workers did not remove (killed workers keep their instances), the lab's images with them.
        LabContainers.Remove(LabContainers.Address(Environment.GetEnvironmentVariable), LabContainers.Namespace(prefix), prefix);
        // After the roots: they would only log the database going away.
        var database = LabPostgres.Remove(paths);

        // The cuts' tables live in the namespaces and go with them.
        var removed = LabFabric.Remove(prefix, bridge);
        foreach (var f in new[] { paths.StateFile, paths.EnvFile, paths.AnsweringRoot, paths.StateLock }) if (File.Exists(f)) File.Delete(f);
        foreach (var d in new[] { paths.Data, paths.Nodes }) if (Directory.Exists(d)) Directory.Delete(d, recursive: true);
        LabSecrets.Remove(paths);
        ctx.Out.WriteLine($"lab down: stopped {pids.Count + leftovers.Count} processes ({hard} killed after the grace period), removed {removed.Count(r => r.StartsWith("netns", StringComparison.Ordinal))} namespaces and the bridge{(database ? " and the PostgreSQL cluster in .lab/pg" : "")}; logs kept in .lab/logs");
        return true;
    }
}
