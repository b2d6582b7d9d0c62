namespace Oakestra.Actors.WorkerNode.Shell;

/// <summary>
/// Where the worker's commands run. Two contexts matter and usually coincide:
/// <list type="bullet">
/// <item><see cref="InNode"/>: the node's network namespace (bridge, veth host ends, routes, sysctls).</item>
/// <item><see cref="InWorkerMounts"/>: the worker's own mount namespace, where named network namespaces
/// (<c>/run/netns/*</c> bind mounts) are created, seen and removed. A named netns created inside a short-lived
/// <c>ip netns exec</c> child would vanish with that child's private mount namespace, so instance namespaces
/// must never be created through the <see cref="InNode"/> prefix.</item>
/// </list>
/// In the lab the worker itself runs inside its node namespace: both are "no prefix" (<see cref="Current"/>).
/// Tests run the node as a namespace beside themselves (<see cref="NamedNamespace"/>) or enter a long-lived
/// process that plays the worker (<see cref="EnterProcess"/>).
/// </summary>
public sealed record NodeShell(ICommandRunner InNode, ICommandRunner InWorkerMounts, string? NodeNetnsPath)
{
    /// <summary>This process already is in the node namespace.</summary>
    public static NodeShell Current(TimeSpan? timeout = null) =>
        new(new CommandRunner(timeout: timeout), new CommandRunner(timeout: timeout), null);

    /// <summary>The node is the named namespace <paramref name="netns"/>; this process stays outside it.</summary>
    public static NodeShell NamedNamespace(string netns, TimeSpan? timeout = null) =>
        new(new CommandRunner(["ip", "netns", "exec", netns], timeout),
            new CommandRunner(timeout: timeout),
            $"/run/netns/{netns}");

    /// <summary>Every command runs in the network and mount namespaces of process <paramref name="pid"/>,
    /// exactly as if this code were that process (e.g. a worker started with <c>ip netns exec</c>).</summary>
    public static NodeShell EnterProcess(int pid, TimeSpan? timeout = null)
    {
        var runner = new CommandRunner(["nsenter", $"--target={pid}", "--net", "--mount"], timeout);
        return new(runner, runner, $"/proc/{pid}/ns/net");
    }
}
