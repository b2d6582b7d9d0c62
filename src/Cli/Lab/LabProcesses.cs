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
    /// </summary>
    public static LabProcess Start(string name, string ns, IReadOnlyList<string> command, string log)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        var argv = new List<string> { "setsid", "nsenter", $"--net=/run/netns/{ns}" };
        argv.AddRange(command);
        var script = $"{string.Join(' ', argv.Select(Shell.Quote))} >{Shell.Quote(log)} 2>&1 </dev/null & echo $!";
        var r = Shell.Run("/bin/sh", "-c", script);
        if (!r.Ok || !int.TryParse(r.Stdout.Trim(), out var pid))
            throw new CliFailure($"could not start {name}: {r.Stderr.Trim()}");
        return new LabProcess(name, pid, ns, log, command);
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

    /// <summary>The process's command line, to avoid signalling a pid the kernel gave to someone else.</summary>
    public static string CommandLine(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' '); }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
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
