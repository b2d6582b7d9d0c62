using System.Globalization;

namespace Oakestra.Actors.WorkerNode.Runtime;

/// <summary>
/// A process as the kernel names it for its whole life: pid plus start time (field 22 of <c>/proc/&lt;pid&gt;/stat</c>,
/// clock ticks since boot). A pid alone is reused; the pair is not, so a worker that comes back after a crash
/// adopts exactly the process it started and never one that took over its pid.
/// </summary>
public readonly record struct ProcessIdentity(int Pid, ulong StartTime)
{
    /// <summary>The identity of a live (not zombie) process, or null when it is gone or cannot be read.</summary>
    public static ProcessIdentity? Of(int pid)
    {
        string stat;
        try { stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat"); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        return Parse(pid, stat);
    }

    /// <summary>Parses a stat line; the command name (field 2) may hold spaces and parentheses, so fields count from the last ')'.</summary>
    public static ProcessIdentity? Parse(int pid, string stat)
    {
        var end = stat.LastIndexOf(')');
        if (end < 0) return null;
        var fields = stat[(end + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state), so field 22 (starttime) is fields[19]
        if (fields.Length < 20 || fields[0] is "Z" or "X" or "x") return null;
        return ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start) ? new ProcessIdentity(pid, start) : null;
    }

    /// <summary>True while this very process runs (same pid, same start time, not a zombie).</summary>
    public bool IsAlive => Of(Pid) == this;
}
