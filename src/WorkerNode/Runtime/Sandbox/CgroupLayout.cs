namespace Oakestra.Actors.WorkerNode.Runtime.Sandbox;

/// <summary>
/// Which cgroup controllers this machine offers and where the instances' groups go: cgroup v1 (a hierarchy per
/// controller, /sys/fs/cgroup/memory, …/cpu, …/pids) or v2 (one hierarchy, /sys/fs/cgroup/cgroup.controllers).
/// </summary>
internal sealed record CgroupLayout(int Version, string Root, IReadOnlyDictionary<string, string> ControllerParents)
{
    private static readonly string[] Controllers = ["memory", "cpu", "pids"];

    public bool Has(string controller) => ControllerParents.ContainsKey(controller);

    /// <summary>No controller at all: limits cannot be applied here.</summary>
    public bool IsEmpty => ControllerParents.Count == 0;

    public static CgroupLayout Detect(string? configuredRoot, string parent)
    {
        // A worker started with `ip netns exec` has a fresh sysfs on /sys without the cgroup mounts; PID 1's
        // view (/proc/1/root) still has them.
        var roots = configuredRoot is not null ? [configuredRoot] : new[] { "/sys/fs/cgroup", "/proc/1/root/sys/fs/cgroup" };
        foreach (var root in roots)
        {
            if (File.Exists(Path.Combine(root, "cgroup.controllers")))
            {
                var offered = File.ReadAllText(Path.Combine(root, "cgroup.controllers")).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var dir = Path.Combine(root, parent);
                return new CgroupLayout(2, root, Controllers.Where(offered.Contains).ToDictionary(c => c, _ => dir));
            }
            var v1 = Controllers.Where(c => File.Exists(Path.Combine(root, c, "cgroup.procs")))
                .ToDictionary(c => c, c => Path.Combine(root, c, parent));
            if (v1.Count > 0) return new CgroupLayout(1, root, v1);
        }
        return new CgroupLayout(0, roots[0], new Dictionary<string, string>());
    }

    /// <summary>Creates the parent folders; on v2 also enables the controllers for the instances below them.</summary>
    public void PrepareParents()
    {
        foreach (var dir in ControllerParents.Values.Distinct()) Directory.CreateDirectory(dir);
        if (Version != 2 || IsEmpty) return;
        var enable = string.Join(' ', ControllerParents.Keys.Select(c => "+" + c));
        // Every level from the root down to the parent must delegate the controllers to the level below.
        var levels = new List<string> { Root };
        var parent = ControllerParents.Values.First();
        foreach (var part in Path.GetRelativePath(Root, parent).Split('/'))
            levels.Add(Path.Combine(levels[^1], part));
        foreach (var level in levels)
            File.WriteAllText(Path.Combine(level, "cgroup.subtree_control"), enable);
    }

    /// <summary>Names of the instance groups present under the parent (any controller).</summary>
    public IReadOnlyList<string> GroupNames() =>
        ControllerParents.Values.Distinct().Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateDirectories(d).Select(Path.GetFileName).OfType<string>())
            .Distinct().ToList();
}
