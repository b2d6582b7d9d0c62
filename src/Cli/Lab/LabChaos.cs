using Oakestra.Actors.Cli.Api;
using Oakestra.Actors.Cli.Parsing;

namespace Oakestra.Actors.Cli.Lab;

/// <summary>
/// `oak lab kill` and `oak lab start`: one lab process by its name, by the pid the lab recorded and only while that
/// pid still runs the command the lab started (as `lab down` checks), so no other program is ever signalled.
/// </summary>
public static class LabChaos
{
    /// <summary>How long SIGTERM may take (a node leaving its cluster gracefully) before kill reports it still running.</summary>
    public static readonly TimeSpan TermGrace = TimeSpan.FromSeconds(15);

    public static (string Name, int Number) ParseSignal(string? raw) => (raw ?? "KILL").ToUpperInvariant() switch
    {
        "KILL" or "SIGKILL" or "9" => ("SIGKILL", Native.SIGKILL),
        "TERM" or "SIGTERM" or "15" => ("SIGTERM", Native.SIGTERM),
        _ => throw new UsageException($"--signal takes KILL or TERM, got '{raw}'"),
    };

    public static LabProcess Kill(LabPaths paths, string name, (string Name, int Number) signal)
    {
        var p = Find(paths, name);
        if (!LabProcesses.Runs(p.Pid, p.Command))
            throw new CliFailure($"{name} is not running ({Ended(p)}); `oak lab start {name}` starts it");
        if (!LabProcesses.Signal(p, signal.Number))
            throw new CliFailure($"{name} (pid {p.Pid}) could not be signalled: it is no longer the process the lab started");
        var wait = signal.Number == Native.SIGKILL ? TimeSpan.FromSeconds(5) : TermGrace;
        if (!LabProcesses.WaitGone(p.Pid, wait))
            throw new CliFailure($"{name} (pid {p.Pid}) still runs {wait.TotalSeconds:0}s after {signal.Name}; `oak lab kill {name}` sends SIGKILL");
        var ended = p with { Ended = $"{signal.Name} by oak lab kill", EndedAt = DateTimeOffset.UtcNow };
        LabState.Update(paths, s => s.With(ended));
        return ended;
    }

    /// <summary>
    /// Starts the process again with the command line, namespace and log it had at `up`; the log gets a marker
    /// line and keeps what it held. Fails when it is still running, or when it exits within half a second.
    /// </summary>
    public static LabProcess Start(LabPaths paths, string name)
    {
        var p = Find(paths, name);
        if (LabProcesses.Runs(p.Pid, p.Command))
            throw new CliFailure($"{name} is running (pid {p.Pid}); `oak lab kill {name}` first");
        if (!File.Exists(Path.Combine("/run/netns", p.Namespace)))
            throw new CliFailure($"{name}'s namespace {p.Namespace} is gone; `oak lab down` and `oak lab up` make a new lab");
        File.AppendAllText(p.Log, $"\n==== oak lab start {name} at {DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ}: the same command line as at lab up ({Ended(p)} before) ====\n");
        var fresh = LabProcesses.Start(name, p.Namespace, p.Command, p.Log, append: true);
        var started = p with { Pid = fresh.Pid, StartedAt = fresh.StartedAt, Starts = p.Starts + 1, Ended = null, EndedAt = null };
        LabState.Update(paths, s => s.With(started));
        if (LabProcesses.WaitGone(started.Pid, TimeSpan.FromMilliseconds(500)))
            throw new CliFailure($"{name} exited at once: {LabProcesses.LastLine(p.Log)} (see .lab/logs/{name}.log)");
        return started;
    }

    /// <summary>How a process that does not run ended, as far as the lab knows.</summary>
    public static string Ended(LabProcess p) =>
        p.Ended ?? $"exited without oak lab kill; last log line: {LabProcesses.LastLine(p.Log)}";

    private static LabProcess Find(LabPaths paths, string name)
    {
        var state = LabState.Load(paths) ?? throw new CliFailure("no lab running (.lab/state.json is missing); `oak lab up` first");
        if (name == LabPostgres.Log && state.Database is not null)
            throw new CliFailure("postgres is the lab's database, not a node: kill and start take a root, an orchestrator or a worker");
        return state.Process(name) ?? throw new CliFailure(
            $"no lab process named '{name}' (this lab has {string.Join(", ", state.Processes.Select(x => x.Name))})");
    }
}
