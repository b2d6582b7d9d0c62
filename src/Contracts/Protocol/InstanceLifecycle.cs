using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Messaging;
using Oakestra.Actors.Contracts.Routing;

namespace Oakestra.Actors.Contracts.Protocol;

// Root Instance entity → orchestrator → worker, and reports back up. Every message carries the
// placement epoch: a report from an older epoch than the entity's current one is refused, so a node
// that lost an instance can never claim its Instance IP again.

/// <summary>Everything a worker needs to run one placement of an instance.</summary>
/// <param name="Virtualization">The SLA's <c>virtualization</c>: <c>process</c> (<see cref="Code"/> is a command
/// line) or <c>container</c> (<see cref="Code"/> is an image reference).</param>
/// <param name="Command">The SLA's <c>cmd</c>: replaces a container image's command; null keeps the image's.</param>
/// <param name="Environment">The SLA's <c>environment</c>, <c>K=V</c> entries.</param>
/// <param name="Limits">The SLA's <c>memory</c> and <c>vcpus</c>; null: no limit asked.</param>
public sealed record InstanceLaunch(
    string InstanceId,
    string ServiceId,
    int Number,
    Ipv4Address InstanceV4,
    Ipv6Address InstanceV6,
    string Code,
    int? Port,
    long Epoch,
    string Virtualization = "process",
    IReadOnlyList<string>? Command = null,
    IReadOnlyList<string>? Environment = null,
    InstanceLimits? Limits = null);

/// <summary>What an instance may use at most (the SLA's <c>memory</c> in MiB becomes bytes, <c>vcpus</c> stays a
/// fraction of CPUs); a runtime that cannot enforce one says so rather than ignoring it.</summary>
public sealed record InstanceLimits(long? MemoryBytes = null, double? Vcpus = null, int? Pids = null);

/// <summary>Root → orchestrator: place this epoch of the instance, on <see cref="Node"/> when given.</summary>
public sealed record PlaceInstance(InstanceLaunch Launch, string? Node) : IClusterMessage;

/// <summary>Orchestrator → root: no worker of the site can take it (unknown node, no worker up).</summary>
public sealed record PlacementRefused(string InstanceId, long Epoch, string Reason) : IClusterMessage;

/// <summary>Orchestrator → worker.</summary>
public sealed record StartInstance(InstanceLaunch Launch) : IClusterMessage;

/// <summary>
/// Root → orchestrator → worker: stop this epoch. <see cref="Drain"/> lets open flows end on the old
/// placement after a migration before the process is stopped.
/// </summary>
public sealed record StopInstance(string InstanceId, long Epoch, TimeSpan Drain) : IClusterMessage;

/// <summary>Worker → orchestrator → root Instance entity. <see cref="ExitCode"/>: the process's exit code when it
/// ended by itself (the root turns a <c>one_shot</c> instance's exit 0 into Completed).</summary>
public sealed record InstanceStatusReport(
    string InstanceId, long Epoch, InstanceStatus Status, Placement? Placement, string? Detail = null, int? ExitCode = null) : IClusterMessage;

/// <summary>Root → reporter: the report's epoch is not current; the worker must stop that placement.</summary>
public sealed record StaleEpoch(string InstanceId, long ReportedEpoch, long CurrentEpoch) : IClusterMessage;
