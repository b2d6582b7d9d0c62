using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Messaging;
using Oakestra.Actors.Contracts.Protocol;

namespace Oakestra.Actors.Root.Entities.Sites;

/// <summary>A worker as the root knows it; subnets are stable per (site, node).</summary>
public sealed record NodeRecord(
    string Site, string Node, Ipv4Prefix SubnetV4, Ipv6Prefix SubnetV6, string TunnelEndpoint,
    double Latitude, double Longitude, WorkerState State)
{
    public string Key => SiteRegistryState.KeyOf(Site, Node);
}

public interface ISiteRegistryEvent : IPersistedMessage;

/// <summary>The orchestrator of a site, as an actor path (refs are not persisted).</summary>
public sealed record SiteRecorded(string Site, string OrchestratorPath) : ISiteRegistryEvent;

public sealed record NodeRecorded(NodeRecord Node) : ISiteRegistryEvent;

public sealed record NodeStateRecorded(string Site, string Node, WorkerState State) : ISiteRegistryEvent;

public sealed record NodeLocationRecorded(string Site, string Node, double Latitude, double Longitude) : ISiteRegistryEvent;

/// <summary>No site could take the instance; it is woken when a site or worker comes up.</summary>
public sealed record InstanceWaiting(string InstanceId) : ISiteRegistryEvent;

/// <summary>The instance was handed to <see cref="Site"/> (node known once it reports, or when asked for).</summary>
public sealed record InstanceAssigned(string InstanceId, string Site, string? Node) : ISiteRegistryEvent;

public sealed record InstanceUnassigned(string InstanceId) : ISiteRegistryEvent;
