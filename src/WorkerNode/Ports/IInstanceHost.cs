using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Protocol;

namespace Oakestra.Actors.WorkerNode.Ports;

/// <summary>
/// Runs instances on this node: a namespace per placement, a veth to the node bridge, the process.
/// The worker actor decides addresses and lifecycle; the host only executes. The real implementation
/// (namespaces, veths, processes) comes from the runtime; tests use fakes.
/// </summary>
public interface IInstanceHost
{
    /// <summary>Once the node's subnets are known (again after every registration): bridge, gateway addresses, routes to the TUN. Idempotent.</summary>
    Task PrepareNodeAsync(NodeSubnets subnets, CancellationToken ct);

    /// <summary>
    /// Creates the placement's namespace with <see cref="InstanceSetup.NamespaceV4"/>/V6 and starts its process.
    /// <paramref name="onExit"/> is called (on any thread) when the process ends without being stopped.
    /// </summary>
    Task<StartedInstance> StartAsync(InstanceSetup setup, Action<InstanceExit> onExit, CancellationToken ct);

    /// <summary>Stops the process and removes the namespace. Idempotent; unknown placements are no error.</summary>
    Task StopAsync(string instanceId, long epoch, CancellationToken ct);

    /// <summary>
    /// Placements this host runs now. Called by every new WorkerAgent: after a worker process restart (from the
    /// node state file and the kernel, adopting what still runs) and after an ActorSystem restart in the same
    /// process (what the host already runs). Rebinds every placement's exit callback to <paramref name="onExit"/>.
    /// Subnets: the node's subnets from the state file, or null when the node was never prepared. Idempotent.
    /// </summary>
    Task<NodeRestore> RestoreAsync(Action<InstanceExit> onExit, CancellationToken ct);

    /// <summary>
    /// One chunk of the output of an instance this host runs or ran (`oak logs`), see <see cref="ReadInstanceLog"/>;
    /// null when it has no log of that instance. Hosts without logs (test fakes) keep this default.
    /// </summary>
    Task<InstanceLogChunk?> ReadLogAsync(string instanceId, long offset, int? tailLines, int maxBytes, CancellationToken ct) =>
        Task.FromResult<InstanceLogChunk?>(null);
}

/// <summary>What a host runs when a new WorkerAgent starts (see <see cref="IInstanceHost.RestoreAsync"/>).</summary>
public sealed record NodeRestore(NodeSubnets? Subnets, IReadOnlyList<RestoredPlacement> Placements)
{
    public static readonly NodeRestore Nothing = new(null, []);
}

/// <summary>A placement a host still runs, with the addresses and namespace it runs in.</summary>
public sealed record RestoredPlacement(
    InstanceLaunch Launch, Ipv4Address NamespaceV4, Ipv6Address NamespaceV6, string NetworkNamespace, int? ProcessId);

/// <summary>The node's subnets: <c>.1</c>/<c>::1</c> is the bridge gateway.</summary>
public sealed record NodeSubnets(string Node, Ipv4Prefix V4, Ipv6Prefix V6)
{
    public Ipv4Address GatewayV4 => V4.At(1);
    public Ipv6Address GatewayV6 => V6.At(1);
}

/// <summary>One placement to start: the launch from the root plus the Namespace IPs this worker chose.</summary>
public sealed record InstanceSetup(InstanceLaunch Launch, NodeSubnets Subnets, Ipv4Address NamespaceV4, Ipv6Address NamespaceV6);

/// <summary>The host's answer: the namespace's name (for `oak exec`).</summary>
/// <remarks>NamespaceV4/V6: the addresses the host actually gave the namespace, when it chooses them itself.</remarks>
public sealed record StartedInstance(string NetworkNamespace)
{
    /// <summary>The process that stands for the instance for its whole life (stable across worker restarts), when the host has one.</summary>
    public int? ProcessId { get; init; }

    public Ipv4Address? NamespaceV4 { get; init; }
    public Ipv6Address? NamespaceV6 { get; init; }
}

public sealed record InstanceExit(string InstanceId, long Epoch, int? ExitCode, string Reason);
