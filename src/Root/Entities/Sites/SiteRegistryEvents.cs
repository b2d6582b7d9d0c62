using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Messaging;
using Oakestra.Actors.Contracts.Serialization;
using Oakestra.Actors.Contracts.Protocol;

namespace Oakestra.Actors.Root.Entities.Sites;

/// <summary>
/// A worker as the root knows it; subnets are stable per (site, node) until the node is decommissioned.
/// <see cref="DownSinceUtc"/>: since when its site has given up on it (State Down), else null.
/// </summary>
public sealed record NodeRecord(
    string Site, string Node, Ipv4Prefix SubnetV4, Ipv6Prefix SubnetV6, string TunnelEndpoint,
    double Latitude, double Longitude, WorkerState State, bool Cordoned = false, DateTime? DownSinceUtc = null)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public string Key => SiteRegistryState.KeyOf(Site, Node);
}

public interface ISiteRegistryEvent : IPersistedMessage;

/// <summary>The orchestrator of a site, as an actor path (refs are not persisted).</summary>
[PersistedAs("root.sites.site-recorded")]
public sealed record SiteRecorded(string Site, string OrchestratorPath) : ISiteRegistryEvent;

[PersistedAs("root.sites.node-recorded")]
public sealed record NodeRecorded(NodeRecord Node) : ISiteRegistryEvent;

/// <summary><see cref="AtUtc"/>: when (absent in events written before decommissioning; such a Down counts from recovery).</summary>
[PersistedAs("root.sites.node-state-recorded")]
public sealed record NodeStateRecorded(string Site, string Node, WorkerState State, DateTime? AtUtc = null) : ISiteRegistryEvent;

/// <summary>A node Down for the decommission grace: its subnets went back to the pools and the root forgot it.</summary>
[PersistedAs("root.sites.node-decommissioned")]
public sealed record NodeDecommissioned(string Site, string Node) : ISiteRegistryEvent;

/// <summary>`oak drain` (true) or `oak uncordon` (false): a cordoned node takes no new placement.</summary>
[PersistedAs("root.sites.node-cordoned")]
public sealed record NodeCordoned(string Site, string Node, bool Cordoned) : ISiteRegistryEvent;

[PersistedAs("root.sites.node-location-recorded")]
public sealed record NodeLocationRecorded(string Site, string Node, double Latitude, double Longitude) : ISiteRegistryEvent;

/// <summary>No site could take the instance; it is woken when a site or worker comes up.</summary>
[PersistedAs("root.sites.instance-waiting")]
public sealed record InstanceWaiting(string InstanceId) : ISiteRegistryEvent;

/// <summary>The instance was handed to <see cref="Site"/> (node known once it reports, or when asked for).</summary>
[PersistedAs("root.sites.instance-assigned")]
public sealed record InstanceAssigned(string InstanceId, string Site, string? Node) : ISiteRegistryEvent;

[PersistedAs("root.sites.instance-unassigned")]
public sealed record InstanceUnassigned(string InstanceId) : ISiteRegistryEvent;
