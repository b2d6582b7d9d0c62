using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Messaging;

namespace Oakestra.Actors.Root.Entities.Sites;

/// <summary>Messages for the one site registry entity; the extractor routes all of them to <see cref="SiteRegistryId"/>.</summary>
public interface ISiteRegistryCommand : IEntityMessage, IClusterMessage
{
    string IEntityMessage.EntityId => SiteRegistryIds.SiteRegistryId;
}

public static class SiteRegistryIds
{
    public const string SiteRegistryId = "sites";
}

/// <summary>Instance → registry: where should this epoch go? Answered with PlacementChosen or PlacementUnavailable.
/// <see cref="Wait"/>: remember the instance and wake it when a site can take it (not for migrations).
/// Sites out of reach are never chosen, nor <see cref="AvoidSite"/> (a lost site's instances go elsewhere).
/// <see cref="AnyOf"/> (when <see cref="Node"/> is null): the nodes it may go to; the registry names one of them.</summary>
public sealed record ChoosePlacement(string InstanceId, string? Node, string? Cluster, bool Wait, string? AvoidSite = null) : ISiteRegistryCommand
{
    public IReadOnlyList<string>? AnyOf { get; init; }
}

public sealed record PlacementChosen(string InstanceId, string Site, string? Node) : IClusterMessage;

public sealed record PlacementUnavailable(string InstanceId, string Reason) : IClusterMessage;

/// <summary>Deliver <see cref="Message"/> to the orchestrator of <see cref="Site"/> (sender kept).</summary>
public sealed record ForwardToSite(string Site, object Message) : ISiteRegistryCommand;

/// <summary>
/// Instance → registry after every change: where it runs (<see cref="Site"/>/<see cref="Node"/> of its owner, for
/// node lists and load) and which placements it expects to exist (for comparing the sites' digests).
/// </summary>
public sealed record InstancePlaced(string InstanceId, string? Site, string? Node, IReadOnlyList<ExpectedPlacement> Expected) : ISiteRegistryCommand;

/// <summary>Instance → registry: undeployed.</summary>
public sealed record InstanceLeft(string InstanceId) : ISiteRegistryCommand;

public sealed record ListNodes : ISiteRegistryCommand;

/// <summary>
/// <see cref="LastHeardUtc"/>: when each node's site was last heard (by site name). <see cref="Refused"/>: workers whose
/// site refuses their registration now (a node of the list among them included).
/// </summary>
public sealed record NodeList(
    IReadOnlyList<NodeRecord> Nodes, IReadOnlyDictionary<string, int> InstancesPerNode, IReadOnlyDictionary<string, DateTime> LastHeardUtc,
    IReadOnlyList<WorkerRefused>? Refused = null) : IClusterMessage;

public sealed record ListSites : ISiteRegistryCommand;

/// <summary>One site's link to the root tier as the registry hears it: <see cref="Link"/> is connected, silent or lost.</summary>
public sealed record SiteEntry(string Site, string Link, DateTime? LastHeardUtc, int QueuedReports, int Nodes);

public sealed record SiteList(IReadOnlyList<SiteEntry> Sites) : IClusterMessage;

/// <summary>API → registry: new coordinates for every node of that name (`oak lab place`).</summary>
public sealed record SetNodeLocation(string Node, double Latitude, double Longitude) : ISiteRegistryCommand;

public sealed record NodeLocationSet(string Node, int Updated) : IClusterMessage;

/// <summary>API → registry: cordon every node of that name and plan where its instances go (`oak drain`).</summary>
public sealed record DrainNode(string Node) : ISiteRegistryCommand;

/// <summary><see cref="Found"/> false: no node of that name is registered.</summary>
public sealed record DrainPlan(string Node, bool Found, IReadOnlyList<DrainMove> Moves) : IClusterMessage;

/// <summary>API → registry: the node takes placements again (`oak uncordon`); answered with <see cref="DrainPlan"/> without moves.</summary>
public sealed record UncordonNode(string Node) : ISiteRegistryCommand;

/// <summary>Contract messages for the registry (RegisterSite, AssignWorkerSubnets, …) wrapped for the extractor.</summary>
public sealed record SiteRegistryEnvelope(object Message) : ISiteRegistryCommand;
