using System.Globalization;
using Oakestra.Actors.Contracts.Protocol;

namespace Oakestra.Actors.WorkerNode.Runtime.Sandbox;

/// <summary>
/// One instance's cgroup: on cgroup v1 a folder per controller (memory, cpu, pids) named after its netns under
/// <see cref="SandboxOptions.CgroupParent"/>, on cgroup v2 one folder. The worker moves the launched process in
/// before it runs anything (the launch waits for stdin to close), so every descendant is counted.
/// </summary>
internal sealed class InstanceCgroup
{
    private const long CpuPeriodMicros = 100_000;

    private InstanceCgroup(IReadOnlyList<string> directories) => Directories = directories;

    public IReadOnlyList<string> Directories { get; }

    /// <summary>The cgroup.procs files, for a process that joins by itself (an exec into the instance).</summary>
    public IEnumerable<string> ProcsFiles => Directories.Select(d => Path.Combine(d, "cgroup.procs"));

    /// <summary>The group for <paramref name="name"/> whether or not it exists (teardown, adoption).</summary>
    public static InstanceCgroup For(CgroupLayout layout, string name) =>
        new(layout.ControllerParents.Values.Distinct().Select(p => Path.Combine(p, name)).ToList());

    /// <summary>
    /// Creates (or reuses) the group and writes the limits. A limit the SLA asked for whose controller this machine
    /// lacks is an error (the instance would run unlimited); the default pids limit is applied where pids exists.
    /// </summary>
    public static InstanceCgroup Create(CgroupLayout layout, string name, InstanceLimits? limits, int defaultPids)
    {
        if (limits?.MemoryBytes is > 0 && !layout.Has("memory")) throw new InvalidOperationException("the SLA asks for a memory limit but this machine has no memory cgroup controller");
        if (limits?.Vcpus is > 0 && !layout.Has("cpu")) throw new InvalidOperationException("the SLA asks for a vcpus limit but this machine has no cpu cgroup controller");
        if (limits?.Pids is > 0 && !layout.Has("pids")) throw new InvalidOperationException("the SLA asks for a pids limit but this machine has no pids cgroup controller");
        layout.PrepareParents();
        var group = For(layout, name);
        foreach (var dir in group.Directories) Directory.CreateDirectory(dir);

        var pids = limits?.Pids is > 0 and var p ? p : defaultPids;
        if (layout.Version == 2)
        {
            var dir = group.Directories[0];
            if (layout.Has("memory")) Write(dir, "memory.max", limits?.MemoryBytes is > 0 and var m ? Text(m) : "max");
            if (layout.Has("memory") && File.Exists(Path.Combine(dir, "memory.swap.max"))) Write(dir, "memory.swap.max", limits?.MemoryBytes is > 0 ? "0" : "max");
            if (layout.Has("cpu")) Write(dir, "cpu.max", limits?.Vcpus is > 0 and var c ? $"{Quota(c)} {Text(CpuPeriodMicros)}" : $"max {Text(CpuPeriodMicros)}");
            if (layout.Has("pids")) Write(dir, "pids.max", Text(pids));
            return group;
        }
        if (layout.ControllerParents.TryGetValue("memory", out var memoryParent))
        {
            var dir = Path.Combine(memoryParent, name);
            var bytes = limits?.MemoryBytes is > 0 and var m ? Text(m) : "-1";
            // memsw (memory + swap) must stay >= the memory limit: raise it first when lifting, lower it last when limiting.
            var memsw = File.Exists(Path.Combine(dir, "memory.memsw.limit_in_bytes"));
            if (memsw && bytes == "-1") Write(dir, "memory.memsw.limit_in_bytes", bytes);
            Write(dir, "memory.limit_in_bytes", bytes);
            if (memsw && bytes != "-1") Write(dir, "memory.memsw.limit_in_bytes", bytes); // no escape into swap
        }
        if (layout.ControllerParents.TryGetValue("cpu", out var cpuParent))
        {
            var dir = Path.Combine(cpuParent, name);
            Write(dir, "cpu.cfs_period_us", Text(CpuPeriodMicros));
            Write(dir, "cpu.cfs_quota_us", limits?.Vcpus is > 0 and var c ? Text(Quota(c)) : "-1");
        }
        if (layout.ControllerParents.TryGetValue("pids", out var pidsParent))
            Write(Path.Combine(pidsParent, name), "pids.max", Text(pids));
        return group;
    }

    /// <summary>Moves <paramref name="pid"/> (and its future children) into every folder of the group.</summary>
    public void Join(int pid)
    {
        foreach (var file in ProcsFiles) File.WriteAllText(file, Text(pid));
    }

    /// <summary>Pids still in the group (any folder).</summary>
    public IReadOnlyList<int> Pids() =>
        Directories.SelectMany(d =>
        {
            try { return File.ReadAllLines(Path.Combine(d, "cgroup.procs")); }
            catch (IOException) { return []; }
        }).Select(l => int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0).Where(p => p > 1).Distinct().ToList();

    /// <summary>Removes the folders; a folder whose last processes are still being reaped is retried for a moment.</summary>
    public async Task<bool> RemoveAsync()
    {
        var all = true;
        foreach (var dir in Directories)
        {
            for (var attempt = 0; ; attempt++)
            {
                try { if (Directory.Exists(dir)) Directory.Delete(dir); break; }
                catch (IOException) when (attempt < 20) { await Task.Delay(50).ConfigureAwait(false); }
                catch (IOException) { all = false; break; }
            }
        }
        return all;
    }

    private static long Quota(double vcpus) => Math.Max(1000, (long)Math.Round(vcpus * CpuPeriodMicros));

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static void Write(string dir, string file, string value) => File.WriteAllText(Path.Combine(dir, file), value);
}
