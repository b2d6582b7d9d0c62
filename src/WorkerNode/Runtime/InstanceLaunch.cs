using System.Net;

namespace Oakestra.Actors.WorkerNode.Runtime;

/// <summary>
/// Everything the runtime needs to start one placed instance. <paramref name="Epoch"/> is the placement epoch:
/// every status report for this start carries it, so the control plane can drop reports of older placements.
/// </summary>
/// <param name="Code">The SLA's <c>code</c>: a command line run by <c>/bin/sh -c</c> inside the instance namespace.</param>
/// <param name="ReadinessPort">When set, Running is reported only once a TCP connect from the node to
/// NamespaceIPv4:port succeeds (Failed after <see cref="InstanceRuntimeOptions.ReadinessTimeout"/>).</param>
public sealed record InstanceLaunch(
    string ServiceId,
    string InstanceId,
    int InstanceNumber,
    long Epoch,
    string Code,
    IPAddress? InstanceIpv4 = null,
    IPAddress? InstanceIpv6 = null,
    int? ReadinessPort = null)
{
    /// <summary>Extra environment variables for the process (the OAK_* ones always win).</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>Set: a container instance, <see cref="Code"/> is ignored and the image runs with containerd.</summary>
    public Containers.ContainerSpec? Container { get; init; }

    /// <summary>The SLA's limits, null when none was asked.</summary>
    public Contracts.Protocol.InstanceLimits? Limits { get; init; }
}
