using System.Text.Json;
using Oakestra.Actors.WorkerNode.Shell;

namespace Oakestra.Actors.WorkerNode.Runtime;

/// <summary>Named network namespace operations (<c>ip netns …</c>), run where the worker sees /run/netns.</summary>
internal sealed class NetnsCommands(ICommandRunner mounts, string? netnsMountNamespace)
{
    // add/del optionally happen in another mount namespace, see InstanceRuntimeOptions.NetnsMountNamespace.
    private IReadOnlyList<string> InMountNs(params string[] command) =>
        netnsMountNamespace is null ? command : ["nsenter", $"--mount={netnsMountNamespace}", .. command];

    public Task AddAsync(string name, CancellationToken ct) => mounts.RunAsync(InMountNs("ip", "netns", "add", name), ct);

    public async Task DeleteIfExistsAsync(string name, CancellationToken ct)
    {
        if ((await ListAsync(ct).ConfigureAwait(false)).Contains(name))
            await mounts.RunAsync(InMountNs("ip", "netns", "del", name), ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> ListAsync(CancellationToken ct)
    {
        var text = (await mounts.RunAsync(["ip", "-j", "netns", "list"], ct).ConfigureAwait(false)).StandardOutput.Trim();
        if (text.Length == 0) return [];
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.EnumerateArray()
            .Select(e => e.TryGetProperty("name", out var n) ? n.GetString() : null)
            .OfType<string>()
            .ToList();
    }

    /// <summary>
    /// True when /run/netns/<paramref name="name"/> is a live namespace here. A worker that ran in a private
    /// mount namespace and died leaves only the empty file behind (its bind mount died with it).
    /// </summary>
    public async Task<bool> IsLiveAsync(string name, CancellationToken ct) =>
        (await mounts.TryRunAsync(["ip", "netns", "exec", name, "true"], ct).ConfigureAwait(false)).Succeeded;

    /// <summary>Every process whose network namespace is <paramref name="name"/> (children and daemons included).</summary>
    public async Task<IReadOnlyList<int>> PidsAsync(string name, CancellationToken ct)
    {
        var result = await mounts.TryRunAsync(["ip", "netns", "pids", name], ct).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            // A namespace that is already gone has no processes; anything else is a real failure.
            if ((await ListAsync(ct).ConfigureAwait(false)).Contains(name))
                throw new CommandFailedException(result.Command, result.ExitCode, result.StandardError);
            return [];
        }
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(int.Parse).ToList();
    }
}
