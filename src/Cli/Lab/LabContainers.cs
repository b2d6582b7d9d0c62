using Oakestra.Actors.Cli.Api;

namespace Oakestra.Actors.Cli.Lab;

/// <summary>
/// The containerd the lab's workers run container instances with: the machine's (or OAK_LAB_CONTAINERD's socket),
/// in a containerd namespace named after the lab prefix, so two labs on one machine never see each other's images
/// or containers and <c>oak lab down</c> can empty its own.
/// </summary>
public static class LabContainers
{
    public const string AddressVariable = "OAK_LAB_CONTAINERD";
    public const string DefaultAddress = "/run/containerd/containerd.sock";

    public static string Address(Func<string, string?> env) => env(AddressVariable) is { Length: > 0 } a ? a : DefaultAddress;

    /// <summary>"oaklab-" → "oaklab": containerd namespaces are [A-Za-z0-9._-], starting with a letter or digit.</summary>
    public static string Namespace(string prefix) => prefix.TrimEnd('-', '.', '_') is { Length: > 0 } n ? n : "oak";

    public static string[] Ctr(string address, string ns) => ["--address", address, "--namespace", ns];

    /// <summary><c>oak lab image load</c>: a docker or OCI archive into the lab's namespace; returns the image names.</summary>
    public static IReadOnlyList<string> Import(string address, string ns, string archive)
    {
        if (!File.Exists(archive)) throw new CliFailure($"{archive}: no such file");
        var r = Shell.Run("ctr", [.. Ctr(address, ns), "images", "import", "--all-platforms", archive], input: null);
        if (!r.Ok) throw new CliFailure($"ctr images import {archive} failed: {(r.Stderr + r.Stdout).Trim()}");
        // "unpacking docker.io/library/x:y (sha256:…)...done"
        return [.. r.Stdout.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("unpacking ", StringComparison.Ordinal))
            .Select(l => l["unpacking ".Length..].Split(' ')[0])];
    }

    /// <summary>
    /// After the workers: every container of the lab (named after its instance namespace, so by the prefix) with its
    /// task and snapshot, then the namespace's images and the namespace itself. Returns the containers removed.
    /// </summary>
    public static int Remove(string address, string ns, string prefix)
    {
        if (!File.Exists(address)) return 0;
        var ctr = Ctr(address, ns);
        var removed = 0;
        foreach (var id in Lines(Shell.Run("ctr", [.. ctr, "containers", "list", "--quiet"], input: null)).Where(id => id.StartsWith(prefix, StringComparison.Ordinal)))
        {
            Shell.Run("ctr", [.. ctr, "tasks", "kill", "--signal", "SIGKILL", id], input: null);
            Shell.Run("ctr", [.. ctr, "tasks", "delete", "--force", id], input: null);
            if (Shell.Run("ctr", [.. ctr, "containers", "delete", id], input: null).Ok) removed++;
        }
        var images = Lines(Shell.Run("ctr", [.. ctr, "images", "list", "--quiet"], input: null));
        if (images.Count > 0) Shell.Run("ctr", [.. ctr, "images", "remove", "--sync", .. images], input: null);
        if (Lines(Shell.Run("ctr", [.. ctr, "containers", "list", "--quiet"], input: null)).Count == 0)
            Shell.Run("ctr", ["--address", address, "namespaces", "remove", ns], input: null);
        return removed;
    }

    private static List<string> Lines(Shell.Result r) =>
        r.Ok ? [.. r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)] : [];
}
