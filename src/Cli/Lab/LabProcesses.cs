using Oakestra.Actors.Cli.Api;

namespace Oakestra.Actors.Cli.Lab;

/// <summary>
/// Starts node processes detached from the CLI (own session, output to a log file) inside a namespace,
/// and stops them by pid: SIGTERM, a grace period, then SIGKILL.
/// </summary>
public static class LabProcesses
{
    /// <summary>
    /// <c>setsid nsenter --net=/run/netns/NS dotnet DLL ARGS &gt;LOG 2&gt;&amp;1 &lt;/dev/null &amp;</c>. Both setsid (not a
    /// group leader here, so it does not fork) and nsenter exec in place, so <c>$!</c> is the dotnet pid.
    /// Only the network namespace is entered (not <c>ip netns exec</c>, which also unshares the mount namespace):
    /// a worker must share the machine's /run/netns, or the instance namespaces it creates there stay
    /// invisible to everyone else (`oak exec`, `lab down`) and unusable as veth peers.
    /// <paramref name="append"/> keeps what the log holds (`oak lab start` of a process that ran before).
    /// </summary>
    public static LabProcess Start(string name, string ns, IReadOnlyList<string> command, string log, bool append = false)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        var argv = new List<string>(Launcher(ns));
        argv.AddRange(command);
        var script = $"{string.Join(' ', argv.Select(Shell.Quote))} {(append ? ">>" : ">")}{Shell.Quote(log)} 2>&1 </dev/null & echo $!";
        var r = Shell.Run("/bin/sh", "-c", script);
        if (!r.Ok || !int.TryParse(r.Stdout.Trim(), out var pid))
            throw new CliFailure($"could not start {name}: {r.Stderr.Trim()}");
        return new LabProcess(name, pid, ns, log, command, DateTimeOffset.UtcNow);
    }

    private static string[] Launcher(string ns) => ["setsid", "nsenter", $"--net=/run/netns/{ns}"];

    /// <summary>
    /// Whether <paramref name="pid"/> still runs <paramref name="command"/> (or is still the launcher about to exec it):
    /// a pid the kernel has since given to another program is never signalled.
    /// </summary>
    public static bool Runs(int pid, IReadOnlyList<string> command)
    {
        if (!Alive(pid)) return false;
        var argv = Argv(pid);
        var start = 0;
        while (start < argv.Count && (argv[start] is "setsid" or "nsenter" || argv[start].StartsWith("--net=", StringComparison.Ordinal))) start++;
        return argv.Count - start == command.Count && argv.Skip(start).SequenceEqual(command);
    }

    /// <summary>Signals a process of the lab: only when it still runs what the lab started under that pid.</summary>
    public static bool Signal(LabProcess p, int signal) => Runs(p.Pid, p.Command) && Native.kill(p.Pid, signal) == 0;

    /// <summary>Waits until the pid is gone (or a zombie); false when it still runs at the deadline.</summary>
    public static bool WaitGone(int pid, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Alive(pid))
        {
            if (DateTime.UtcNow >= deadline) return false;
            Thread.Sleep(50);
        }
        return true;
    }

    public static bool Alive(int pid) => File.Exists($"/proc/{pid}/stat") && !IsZombie(pid);

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            return close > 0 && close + 2 < stat.Length && stat[close + 2] == 'Z';
        }
        catch (IOException) { return false; }
    }

    /// <summary>The process's argument vector as /proc shows it (empty when it is gone or hidden).</summary>
    public static IReadOnlyList<string> Argv(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/cmdline"); // every argument ends with a NUL
            return text.Length == 0 ? [] : text[..^1].Split('\0');
        }
        catch (IOException) { return []; }
        catch (UnauthorizedAccessException) { return []; }
    }

    /// <summary>SIGTERM to all, wait up to <paramref name="grace"/>, SIGKILL the rest. Returns how many were killed hard.</summary>
    public static int Stop(IEnumerable<int> pids, TimeSpan grace)
    {
        var live = pids.Distinct().Where(Alive).ToList();
        foreach (var pid in live) Native.kill(pid, Native.SIGTERM);
        var deadline = DateTime.UtcNow + grace;
        while (DateTime.UtcNow < deadline && live.Any(Alive)) Thread.Sleep(100);
        var hard = 0;
        foreach (var pid in live.Where(Alive)) { Native.kill(pid, Native.SIGKILL); hard++; }
        var killDeadline = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        while (DateTime.UtcNow < killDeadline && live.Any(Alive)) Thread.Sleep(50);
        return hard;
    }

    /// <summary>The last non-empty line of a log, to put the reason next to "exited".</summary>
    public static string LastLine(string log)
    {
        try
        {
            return File.ReadLines(log).Where(l => !string.IsNullOrWhiteSpace(l)).TakeLast(1).FirstOrDefault()?.Trim() ?? "(empty log)";
        }
        catch (IOException) { return "(no log)"; }
    }
}
