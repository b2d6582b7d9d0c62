namespace Oakestra.Actors.WorkerNode.Runtime.Sandbox;

/// <summary>
/// How process instances (<c>virtualization: process</c>) are confined: an unprivileged user, their own mount,
/// PID and UTS namespaces besides the network one, cgroup limits, and an environment of their own. Container
/// instances get the equivalent from containerd and are not touched.
/// </summary>
public sealed record SandboxOptions
{
    /// <summary>65534 is "nobody"/"nogroup" on Debian and most distributions: it owns nothing.</summary>
    public const int Nobody = 65534;

    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>False: instances run as root with the worker's environment, as before (benchmarks, debugging).</summary>
    public bool Enabled { get; init; } = true;

    public int Uid { get; init; } = Nobody;

    public int Gid { get; init; } = Nobody;

    /// <summary>Processes (and threads) an instance may have when the SLA asks for no limit: a fork bomb stays inside.</summary>
    public int DefaultPids { get; init; } = 1024;

    /// <summary>The instance's PATH unless the SLA's environment sets one; also the PATH of the root-owned launch chain.</summary>
    public string Path { get; init; } = DefaultPath;

    /// <summary>The instance's HOME (its private tmpfs /tmp by default) unless the SLA's environment sets one.</summary>
    public string Home { get; init; } = "/tmp";

    /// <summary>Cgroup folder (per controller on cgroup v1) under which each instance gets one named after its netns.</summary>
    public string CgroupParent { get; init; } = "oakestra";

    /// <summary>Where the cgroup hierarchies are mounted; null: /sys/fs/cgroup, or PID 1's view of it when this
    /// process's /sys was remounted (a worker started with <c>ip netns exec</c>).</summary>
    public string? CgroupRoot { get; init; }

    /// <summary>Folders covered by an empty read-only tmpfs in every instance's mount namespace, besides the worker's
    /// state and log folders (which the runtime always hides: other instances' logs, the node state file, keys).</summary>
    public IReadOnlyList<string> HiddenPaths { get; init; } = [];

    internal void Validate()
    {
        if (Uid <= 0 || Gid <= 0) throw new ArgumentException($"sandbox uid/gid must be unprivileged (> 0), not {Uid}/{Gid}");
        if (DefaultPids < 1) throw new ArgumentException($"sandbox default pids limit must be at least 1, not {DefaultPids}");
        if (CgroupParent.Length == 0 || CgroupParent.Split('/').Any(p => p is "" or "." or ".."))
            throw new ArgumentException($"cgroup parent '{CgroupParent}' must be a relative folder path");
    }
}
