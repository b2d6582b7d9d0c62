using System.Text.Json;
using Oakestra.Actors.WorkerNode.Shell;

namespace Oakestra.Actors.WorkerNode.NodeNetwork;

/// <summary>Existence probes for idempotent setup/teardown: teardown must not fail on what is already gone,
/// but any real deletion failure still throws.</summary>
internal static class Links
{
    public static async Task<bool> ExistsAsync(ICommandRunner runner, string name, CancellationToken ct)
    {
        var names = await ListAsync(runner, null, ct).ConfigureAwait(false);
        return names.Contains(name);
    }

    /// <summary>Interface names in the runner's namespace, optionally of one link type (e.g. "veth").</summary>
    public static async Task<IReadOnlyList<string>> ListAsync(ICommandRunner runner, string? type, CancellationToken ct)
    {
        List<string> command = ["ip", "-j", "link", "show"];
        if (type is not null) command.AddRange(["type", type]);
        var result = await runner.RunAsync(command, ct).ConfigureAwait(false);
        var text = result.StandardOutput.Trim();
        if (text.Length == 0) return [];
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.EnumerateArray()
            .Select(e => e.TryGetProperty("ifname", out var n) ? n.GetString() : null)
            .OfType<string>()
            .ToList();
    }

    public static async Task DeleteIfExistsAsync(ICommandRunner runner, string name, CancellationToken ct)
    {
        if (!await ExistsAsync(runner, name, ct).ConfigureAwait(false)) return;
        var result = await runner.TryRunAsync(["ip", "link", "del", "dev", name], ct).ConfigureAwait(false);
        // A veth also vanishes when the kernel frees its peer's namespace (asynchronously): only a link
        // that is still there after a failed delete is an error.
        if (!result.Succeeded && await ExistsAsync(runner, name, ct).ConfigureAwait(false))
            throw new CommandFailedException(result.Command, result.ExitCode, result.StandardError);
    }
}
