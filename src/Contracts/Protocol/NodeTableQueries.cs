using Oakestra.Actors.Contracts.Messaging;

namespace Oakestra.Actors.Contracts.Protocol;

// `oak table <node>`: root → the orchestrator of the node's site → the worker, request/response. Every hop
// forwards with the original sender, so the worker's answer goes straight to the asking actor at the root.
// Addresses travel as text: this is a report for people and tools, not a table anyone routes by.

/// <summary>Root → orchestrator → worker: what do you forward by right now? Answered with <see cref="NodeTable"/>
/// by the worker, or <see cref="NodeTableUnavailable"/> by the orchestrator when it cannot reach the worker.</summary>
public sealed record QueryNodeTable(string Site, string Node) : IClusterMessage;

/// <summary>Orchestrator → asker: the worker is unknown, down or unreachable; <see cref="Reason"/> is one line for the user.</summary>
public sealed record NodeTableUnavailable(string Site, string Node, string Reason) : IClusterMessage;

/// <summary>
/// Worker → asker: the table its data plane holds (the last one published; null version = nothing published
/// yet) and the data plane's counters, read when the query arrived.
/// </summary>
public sealed record NodeTable(
    string Site,
    string Node,
    long? TableVersion,
    DateTime? PublishedAtUtc,
    IReadOnlyList<NodeTableService> Services,
    IReadOnlyList<NodeTableLocalInstance> LocalInstances,
    IReadOnlyList<NodeTablePeer> Peers,
    NodeCounters Counters,
    IReadOnlyList<NodeTableRefusal>? Refused = null) : IClusterMessage;

/// <summary>An entry the worker left out of its table because its data plane would refuse it (the rest is forwarded by).</summary>
public sealed record NodeTableRefusal(string Entry, string Reason);

/// <summary>One service in the table: its Service IPs per policy and where each of its Instance IPs leads from this node.</summary>
public sealed record NodeTableService(
    string ServiceId, long Version, IReadOnlyList<NodeTableServiceIp> ServiceIps, IReadOnlyList<NodeTableInstance> Instances);

public sealed record NodeTableServiceIp(string Policy, string? Ipv4, string? Ipv6);

/// <summary>
/// Where an Instance IP leads: <see cref="Via"/> is <c>local</c> (rewritten to <see cref="NamespaceIpv4"/>/6 here),
/// <c>tunnel</c> (sent to <see cref="TunnelEndpoint"/>) or <c>none</c> (no running placement: packets are dropped).
/// </summary>
public sealed record NodeTableInstance(
    string InstanceId, string InstanceIpv4, string InstanceIpv6, string Status, long Epoch, string? Node,
    string Via, string? NamespaceIpv4, string? NamespaceIpv6, string? TunnelEndpoint);

/// <summary>A placement running (or draining) on this node.</summary>
public sealed record NodeTableLocalInstance(
    string InstanceId, string ServiceId, string InstanceIpv4, string InstanceIpv6,
    string NamespaceIpv4, string NamespaceIpv6, long Epoch, bool Draining);

public sealed record NodeTablePeer(string Site, string Node, string TunnelEndpoint, double? RttMs);

/// <summary>
/// The data plane's counters. <see cref="Source"/> says where they come from (<c>forwarding</c>: the real loop;
/// <c>inert</c>: no data plane, all zero; <c>summary</c>: only the totals a data plane offers). <see cref="Drops"/>
/// holds every drop reason by name (zeros included when the data plane knows its reasons); <see cref="All"/>
/// every counter the data plane has, by name.
/// </summary>
public sealed record NodeCounters(
    string Source,
    long FlowsActive,
    long PacketsTranslated,
    long PacketsIn,
    long PacketsOut,
    long TunnelPacketsIn,
    long TunnelDatagramsOut,
    long MissesQueued,
    long MissesReported,
    long MissesExpired,
    long MissesWaiting,
    long DroppedTotal,
    IReadOnlyDictionary<string, long> Drops,
    IReadOnlyDictionary<string, long> All)
{
    public static NodeCounters None(string source) =>
        new(source, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, new Dictionary<string, long>(), new Dictionary<string, long>());
}
