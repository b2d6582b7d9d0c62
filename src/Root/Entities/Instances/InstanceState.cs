using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Messaging;
using Oakestra.Actors.Contracts.Serialization;
using Oakestra.Actors.Contracts.Routing;

namespace Oakestra.Actors.Root.Entities.Instances;

/// <summary>An epoch handed to a site that has not reported Running yet.</summary>
public sealed record PendingPlacement(string Site, string? Node, long Epoch, bool Migration, Placement? Reported);

/// <summary>
/// The state of one Instance entity. <see cref="Epoch"/> is the newest epoch ever handed out; reports
/// are accepted only from it, or, while a migration is under way, from the placement still owning the
/// Instance IP (<see cref="Owner"/>). Everything else is stale. Pure: no actor, no I/O.
/// </summary>
[PersistedAs("root.instance.state")]
public sealed record InstanceState(
    string Id,
    bool Exists,
    bool Undeployed,
    string ServiceId,
    int Number,
    Ipv4Address InstanceV4,
    Ipv6Address InstanceV6,
    string Code,
    int? Port,
    string? Node,
    string? Cluster,
    InstanceStatus Status,
    long Epoch,
    Placement? Owner,
    PendingPlacement? Pending,
    Placement? Draining,
    string? LastDetail,
    string Virtualization = "process",
    IReadOnlyList<string>? Command = null,
    IReadOnlyList<string>? Environment = null,
    string? LastFailure = null,
    DateTimeOffset? LastFailureAt = null,
    IReadOnlyList<string>? Nodes = null,
    bool OneShot = false,
    Oakestra.Actors.Contracts.Protocol.InstanceLimits? Limits = null,
    Placement? LastPlacement = null) : IPersistedMessage
{
    /// <summary>
    /// Set while a crashed placement waits for its backoff: when the next one is tried (shown as CrashLoop). Not an
    /// event of its own: after a root restart the instance is placed again at once and the backoff starts over.
    /// </summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    public static InstanceState Empty(string id) => new(
        id, false, false, "", 0, default, default, "", null, null, null, InstanceStatus.Pending, 0, null, null, null, null);

    [System.Text.Json.Serialization.JsonIgnore]
    public InstanceRoute Route => new(Id, Number, InstanceV4, InstanceV6, Status, Status is InstanceStatus.Running or InstanceStatus.Migrating ? Owner : null);

    /// <summary>Whether a report of <paramref name="epoch"/> may change anything. A Completed instance has no current
    /// epoch: a late report or digest of its last run is stale (and that run is stopped), never a resurrection.</summary>
    public bool IsCurrent(long epoch) =>
        Exists && !Undeployed && Status != InstanceStatus.Completed && (epoch == Epoch || (Pending is { Migration: true } && Owner?.Epoch == epoch));

    /// <summary>
    /// Why a report of a current epoch is refused: the placement it names is not where that epoch was handed (another
    /// site; another node than the one it was pinned to), or moves an epoch that runs to another node or tunnel
    /// endpoint. Null when it may be applied.
    /// </summary>
    public string? RefuseReport(Oakestra.Actors.Contracts.Protocol.InstanceStatusReport r)
    {
        if (r.Placement is not { } p) return null;
        if (Pending is { } pending && pending.Epoch == r.Epoch)
        {
            if (p.Cluster != pending.Site) return $"epoch {r.Epoch} was handed to site {pending.Site}, not {p.Cluster}";
            if (pending.Node is { } node && p.Node != node) return $"epoch {r.Epoch} was handed to node {node}, not {p.Node}";
            return null;
        }
        if (Owner is { } owner && owner.Epoch == r.Epoch &&
            (p.Cluster != owner.Cluster || p.Node != owner.Node || p.TunnelEndpoint != owner.TunnelEndpoint))
            return $"epoch {r.Epoch} runs on {owner.Cluster}/{owner.Node} at {owner.TunnelEndpoint}, not {p.Cluster}/{p.Node} at {p.TunnelEndpoint}";
        return null;
    }

    /// <summary>Neither running nor on its way to a site: the actor must find one.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool NeedsPlacement => Exists && !Undeployed && Pending is null && Status is InstanceStatus.Pending or InstanceStatus.Failed;

    [System.Text.Json.Serialization.JsonIgnore]
    public bool MigrationInProgress => Pending is { Migration: true };

    public InstanceState Apply(IInstanceEvent e) => e switch
    {
        InstanceCreated c => this with
        {
            Exists = true, ServiceId = c.ServiceId, Number = c.Number, InstanceV4 = c.InstanceV4, InstanceV6 = c.InstanceV6,
            Code = c.Code, Port = c.Port, Node = c.Node, Cluster = c.Cluster, Status = InstanceStatus.Pending,
            Virtualization = c.Virtualization, Command = c.Command, Environment = c.Environment,
            Nodes = c.Nodes, OneShot = c.OneShot, Limits = c.Limits,
        },
        PlacementRequested p => this with
        {
            Epoch = p.Epoch,
            Pending = new PendingPlacement(p.Site, p.Node, p.Epoch, p.Migration, null),
            Status = p.Migration ? InstanceStatus.Migrating : InstanceStatus.Pending,
            LastDetail = null,
        },
        PlacementDeferred d => this with { Pending = null, Status = InstanceStatus.Pending, LastDetail = d.Reason },
        StatusAccepted s => ApplyReport(s),
        OldPlacementStopped o when Draining?.Epoch == o.Epoch => this with { Draining = null },
        OldPlacementStopped => this,
        InstanceUndeployed => this with { Undeployed = true, Status = InstanceStatus.Stopped, Owner = null, Pending = null },
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name),
    };

    private InstanceState ApplyReport(StatusAccepted s)
    {
        // The last failure outlives the re-placement it causes (LastDetail does not): `oak service` shows why.
        // LastPlacement: where its output is, also once it ended (`oak logs` of a failed or completed instance).
        var withDetail = s.Status == InstanceStatus.Failed
            ? this with { LastDetail = s.Detail, LastFailure = s.Detail ?? "failed", LastFailureAt = s.At }
            : this with { LastDetail = s.Detail };
        if (s.Placement is not null && (Pending is not { Migration: true } || s.Epoch == Pending.Epoch)) withDetail = withDetail with { LastPlacement = s.Placement };
        var dead = s.Status is InstanceStatus.Failed or InstanceStatus.Stopped or InstanceStatus.Completed;
        // A one_shot instance that exited 0 ends Completed (and NeedsPlacement stays false); every other end is a failure.
        var ended = s.Status == InstanceStatus.Completed ? InstanceStatus.Completed : InstanceStatus.Failed;

        // The old placement of a migration under way: it may still die before the target is up.
        if (Pending is { Migration: true } && s.Epoch != Pending.Epoch)
            return dead ? withDetail with { Owner = null } : withDetail with { Owner = s.Placement ?? Owner };

        if (Pending is { } pending && s.Epoch == pending.Epoch)
        {
            if (s.Status == InstanceStatus.Running)
            {
                // Make-before-break: the new placement owns the Instance IP from now on; the old one
                // (if any) drains until the actor has told the Service and then stopped it.
                var placement = s.Placement ?? pending.Reported;
                return withDetail with
                {
                    Status = InstanceStatus.Running,
                    Owner = placement,
                    Pending = null,
                    Draining = pending.Migration && Owner is not null ? Owner : Draining,
                };
            }
            if (dead)
            {
                // A migration target that failed leaves the owner running; a first placement that failed is re-placed.
                return pending.Migration && Owner is not null
                    ? withDetail with { Pending = null, Status = InstanceStatus.Running }
                    : withDetail with { Pending = null, Status = ended, Owner = null };
            }
            return withDetail with
            {
                Pending = pending with { Reported = s.Placement ?? pending.Reported },
                Status = pending.Migration ? InstanceStatus.Migrating : InstanceStatus.Starting,
            };
        }

        // The running placement of the current epoch.
        if (dead) return withDetail with { Status = ended, Owner = null };
        return withDetail with { Status = s.Status == InstanceStatus.Running ? InstanceStatus.Running : Status, Owner = s.Placement ?? Owner };
    }
}
