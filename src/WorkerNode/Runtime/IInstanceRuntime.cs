namespace Oakestra.Actors.WorkerNode.Runtime;

/// <summary>Starts, watches and stops instance processes in their own network namespaces on this node.</summary>
public interface IInstanceRuntime
{
    /// <summary>Raised for every status change, in order per instance start, from a pool thread.
    /// Handlers must not block (an actor's Tell is the intended handler).</summary>
    event Action<InstanceStatusReport>? StatusChanged;

    /// <summary>Creates the namespace, wires it and launches the code. Reports Starting before returning and
    /// Running/Failed later. Throws (after reporting Failed and undoing everything) when setup fails.
    /// Starting an instance that is already present with the same epoch returns it; with another epoch throws
    /// <see cref="InvalidOperationException"/> (stop the old placement first).</summary>
    Task<InstanceInfo> StartAsync(InstanceLaunch launch, CancellationToken cancellationToken = default);

    /// <summary>SIGTERM to every process in the instance namespace, SIGKILL after the grace period, then the
    /// namespace, veth and addresses are removed and Stopped is reported. False when the instance is unknown
    /// (never started, or already Failed/Stopped).</summary>
    Task<bool> StopAsync(string instanceId, CancellationToken cancellationToken = default);

    /// <summary>Runs <paramref name="command"/> inside the instance namespace with the instance's environment,
    /// passing the streams through; returns its exit code.</summary>
    Task<int> ExecAsync(string instanceId, IReadOnlyList<string> command, ExecStreams streams, CancellationToken cancellationToken = default);

    /// <summary>The instances currently present (Starting or Running).</summary>
    IReadOnlyCollection<InstanceInfo> Instances { get; }
}
