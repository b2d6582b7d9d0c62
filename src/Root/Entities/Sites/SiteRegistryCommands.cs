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
/// <see cref="Wait"/>: remember the instance and wake it when a site can take it (not for migrations).</summary>
public sealed record ChoosePlacement(string InstanceId, string? Node, string? Cluster, bool Wait) : ISiteRegistryCommand;

public sealed record PlacementChosen(string InstanceId, string Site, string? Node) : IClusterMessage;

public sealed record PlacementUnavailable(string InstanceId, string Reason) : IClusterMessage;

/// <summary>Deliver <see cref="Message"/> to the orchestrator of <see cref="Site"/> (sender kept).</summary>
public sealed record ForwardToSite(string Site, object Message) : ISiteRegistryCommand;

/// <summary>Instance → registry: it now runs on this node (for node lists and load).</summary>
public sealed record InstanceLocated(string InstanceId, string Site, string Node) : ISiteRegistryCommand;

/// <summary>Instance → registry: undeployed.</summary>
public sealed record InstanceLeft(string InstanceId) : ISiteRegistryCommand;

public sealed record ListNodes : ISiteRegistryCommand;

public sealed record NodeList(IReadOnlyList<NodeRecord> Nodes, IReadOnlyDictionary<string, int> InstancesPerNode) : IClusterMessage;

/// <summary>API → registry: new coordinates for every node of that name (`oak lab place`).</summary>
public sealed record SetNodeLocation(string Node, double Latitude, double Longitude) : ISiteRegistryCommand;

public sealed record NodeLocationSet(string Node, int Updated) : IClusterMessage;

/// <summary>Contract messages for the registry (RegisterSite, AssignWorkerSubnets, …) wrapped for the extractor.</summary>
public sealed record SiteRegistryEnvelope(object Message) : ISiteRegistryCommand;
