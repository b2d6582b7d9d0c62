using System.Globalization;
using Oakestra.Actors.WorkerNode.Shell;

namespace Oakestra.Actors.WorkerNode.Runtime.Containers;

/// <summary>
/// How a container instance is started and removed with <c>ctr</c>. The watched process is <c>ctr run</c> in the
/// foreground inside the instance's network namespace, as a process instance's shell is: its output (the task's
/// stdout and stderr) goes to the instance log, its exit code is the task's, and <c>ip netns pids</c> finds it and
/// the container's processes, so the runtime's stop (SIGTERM, SIGKILL after the grace period) reaches both. The
/// container joins that namespace (<c>--with-ns network:</c>) instead of getting one from containerd.
/// </summary>
public static class ContainerCommand
{
    // $1 = log file, $2 = netns, $3 = the ctr script. Same shape as a process instance's launch, kept apart from
    // it because a container gets its other namespaces, user and limits from containerd, not from the worker.
    private const string LaunchScript = "exec </dev/null >>\"$1\" 2>&1; exec setsid ip netns exec \"$2\" /bin/sh -c \"$3\"";

    /// <summary>The argument vector of the instance's process.</summary>
    public static IReadOnlyList<string> Launch(ContainerdOptions containerd, ContainerSpec spec, string containerId, string netns, string logPath,
        IEnumerable<KeyValuePair<string, string>> environment) =>
        ["/bin/sh", "-c", LaunchScript, "oak-container", logPath, netns, Script(containerd, spec, containerId, netns, environment)];

    /// <summary>
    /// Pulls the image when the local store lacks it (a registry may be reachable; if not, the pull's error is the
    /// log's last line and the exit code 125), then runs it; <c>--rm</c> deletes the container and its snapshot
    /// when the task ends by itself.
    /// </summary>
    public static string Script(ContainerdOptions containerd, ContainerSpec spec, string containerId, string netns,
        IEnumerable<KeyValuePair<string, string>> environment)
    {
        var ctr = Words(containerd.CtrCommand);
        var image = spec.ImageRef;
        var run = new List<string> { "run", "--rm", "--with-ns", $"network:/run/netns/{netns}" };
        foreach (var (key, value) in environment) { run.Add("--env"); run.Add($"{key}={value}"); }
        if (spec.MemoryBytes is > 0 and var memory) { run.Add("--memory-limit"); run.Add(memory.ToString(CultureInfo.InvariantCulture)); }
        if (spec.Cpus is > 0 and var cpus) { run.Add("--cpus"); run.Add(cpus.ToString(CultureInfo.InvariantCulture)); }
        run.Add(image);
        run.Add(containerId);
        if (spec.Command is { Count: > 0 } command) run.AddRange(command);
        return $"{ctr} images ls -q | grep -qxF {Quote(image)} || {ctr} images pull {Quote(image)} || exit 125; exec {ctr} {Words(run)}";
    }

    /// <summary>
    /// Removes the task (killed first) and the container with its snapshot; what is already gone is fine. Needed
    /// after a stop: <c>ctr run --rm</c> got SIGKILL too, or its task ended by a signal before it could delete.
    /// </summary>
    public static async Task RemoveAsync(ICommandRunner runner, ContainerdOptions containerd, string containerId, CancellationToken ct)
    {
        var ctr = containerd.CtrCommand;
        await runner.TryRunAsync([.. ctr, "tasks", "kill", "--signal", "SIGKILL", containerId], ct).ConfigureAwait(false);
        await runner.TryRunAsync([.. ctr, "tasks", "delete", "--force", containerId], ct).ConfigureAwait(false);
        var deleted = await runner.TryRunAsync([.. ctr, "containers", "delete", containerId], ct).ConfigureAwait(false);
        if (!deleted.Succeeded && await ExistsAsync(runner, containerd, containerId, ct).ConfigureAwait(false))
            throw new InvalidOperationException($"container {containerId} could not be deleted: {deleted.StandardError.Trim()}");
    }

    /// <summary>The container ids in the namespace starting with <paramref name="prefix"/>, for leftover cleanup.</summary>
    public static async Task<IReadOnlyList<string>> ListAsync(ICommandRunner runner, ContainerdOptions containerd, string prefix, CancellationToken ct)
    {
        if (!File.Exists(containerd.Address)) return []; // no containerd here (ctr would wait 10 s to say so)
        var listed = await runner.TryRunAsync([.. containerd.CtrCommand, "containers", "list", "--quiet"], ct).ConfigureAwait(false);
        if (!listed.Succeeded) return []; // no containerd here: nothing of ours can be left in it
        return [.. listed.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(id => id.StartsWith(prefix, StringComparison.Ordinal))];
    }

    private static async Task<bool> ExistsAsync(ICommandRunner runner, ContainerdOptions containerd, string containerId, CancellationToken ct) =>
        (await runner.TryRunAsync([.. containerd.CtrCommand, "containers", "info", containerId], ct).ConfigureAwait(false)).Succeeded;

    private static string Words(IEnumerable<string> words) => string.Join(' ', words.Select(Quote));

    private static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
