using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Messaging;

namespace Oakestra.Actors.Root.Entities.Instances;

public interface IInstanceCommand : IEntityMessage, IClusterMessage
{
    string InstanceId { get; }
    string IEntityMessage.EntityId => InstanceId;
}

/// <summary>Service → Instance: idempotent; the entity places itself afterwards. <see cref="Nodes"/>: the nodes it may
/// be placed on (any of them) when <see cref="Node"/> is null.</summary>
public sealed record CreateInstance(
    string InstanceId, string ServiceId, int Number, Ipv4Address InstanceV4, Ipv6Address InstanceV6,
    string Code, int? Port, string? Node, string? Cluster,
    string Virtualization = "process", IReadOnlyList<string>? Command = null, IReadOnlyList<string>? Environment = null) : IInstanceCommand
{
    public IReadOnlyList<string>? Nodes { get; init; }
    public bool OneShot { get; init; }
    public Contracts.Protocol.InstanceLimits? Limits { get; init; }
}

public sealed record GetInstance(string InstanceId) : IInstanceCommand;

/// <summary>Stop every placement and release the Instance IPs into quarantine. <see cref="FromService"/>
/// says the Service already removed the instance from its routes (scale down, delete).</summary>
public sealed record UndeployInstance(string InstanceId, bool FromService) : IInstanceCommand;

public sealed record MigrateInstance(string InstanceId, string TargetNode) : IInstanceCommand;

/// <summary>Site registry → Instance: a site or a worker came up; try to place again if still waiting.</summary>
public sealed record RetryPlacement(string InstanceId) : IInstanceCommand;

/// <summary>
/// Site registry → Instance: the worker <see cref="Node"/> of <see cref="Site"/> is down. A placement of
/// the instance there is lost: the same as a Failed report of that placement's epoch.
/// </summary>
public sealed record NodeLost(string InstanceId, string Site, string Node) : IInstanceCommand;

/// <summary>
/// Site registry → Instance: a site's digest differs from what this instance expects there. <see cref="Reported"/>:
/// the placement the site runs (stale → stopped; current → its status taken); null: the site does not run
/// <see cref="MissingEpoch"/> (0: any epoch) although it should (→ placed there again).
/// </summary>
public sealed record ReconcilePlacement(string InstanceId, string Site, Contracts.Protocol.PlacementDigest? Reported, long MissingEpoch) : IInstanceCommand;

/// <summary>Site registry → Instance: <see cref="Site"/> has been silent past its grace. Run elsewhere if another site can take it.</summary>
public sealed record SiteLost(string InstanceId, string Site) : IInstanceCommand;

/// <summary>Contract messages that address an instance by id (status reports, refusals), wrapped for the extractor.</summary>
public sealed record InstanceEnvelope(string InstanceId, object Message) : IInstanceCommand;

// Replies.

public sealed record InstanceInfo(InstanceState State) : IClusterMessage;

public sealed record InstanceNotFound(string InstanceId) : IClusterMessage;

/// <summary>The instance cannot do what was asked (e.g. migrate while not Running); maps to 409.</summary>
public sealed record InstanceRejected(string InstanceId, string Reason, string? Field) : IClusterMessage;
