using Oakestra.Actors.WorkerNode.Shell;

namespace Oakestra.Actors.Nodes.Tests.Runtime;

/// <summary>The test's own view of the machine, independent of the code under test's runners.</summary>
internal static class Sh
{
    private static readonly CommandRunner Runner = new(timeout: TimeSpan.FromSeconds(20));

    public static async Task<string> Run(params string[] command) => (await Runner.RunAsync(command)).StandardOutput;

    public static Task<CommandResult> Try(params string[] command) => Runner.TryRunAsync(command);

    public static Task<string> InNs(string netns, params string[] command) => Run(["ip", "netns", "exec", netns, .. command]);

    public static async Task<IReadOnlyList<string>> NetnsNames() =>
        (await Run("ip", "netns", "list")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')[0]).ToList();

    public static async Task<IReadOnlyList<string>> Links(string netns) =>
        (await InNs(netns, "ip", "-o", "link", "show")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(':')[1].Trim().Split('@')[0]).ToList();
}
