using System.Text.Json.Serialization;
using Oakestra.Actors.Contracts.Protocol;

namespace Oakestra.Actors.Root.Api;

// GET /api/v1/nodes/{node}/table (docs/API.md): the worker's own report, relayed. Serialized snake_case by the API layer.

public sealed record NodeTableView(
    string Site,
    string Node,
    long? TableVersion,
    DateTime? PublishedAt,
    IReadOnlyList<NodeTableServiceView> Services,
    IReadOnlyList<NodeTableLocalView> LocalInstances,
    IReadOnlyList<NodeTablePeerView> Peers,
    NodeCountersView Counters,
    IReadOnlyList<NodeTableRefusedView> Refused);

/// <summary>An entry the worker left out of its table (the rest is forwarded by).</summary>
public sealed record NodeTableRefusedView(string Entry, string Reason);

public sealed record NodeTableServiceView(string ServiceId, long Version, IReadOnlyList<ServiceIpView> ServiceIps, IReadOnlyList<NodeTableInstanceView> Instances);

public sealed record NodeTableInstanceView(
    string InstanceId,
    [property: JsonPropertyName("instance_ipv4")] string InstanceIpv4,
    [property: JsonPropertyName("instance_ipv6")] string InstanceIpv6,
    string Status, long Epoch, string? Node, string Via,
    [property: JsonPropertyName("namespace_ipv4")] string? NamespaceIpv4,
    [property: JsonPropertyName("namespace_ipv6")] string? NamespaceIpv6,
    string? TunnelEndpoint);

public sealed record NodeTableLocalView(
    string InstanceId, string ServiceId,
    [property: JsonPropertyName("instance_ipv4")] string InstanceIpv4,
    [property: JsonPropertyName("instance_ipv6")] string InstanceIpv6,
    [property: JsonPropertyName("namespace_ipv4")] string NamespaceIpv4,
    [property: JsonPropertyName("namespace_ipv6")] string NamespaceIpv6,
    long Epoch, bool Draining);

public sealed record NodeTablePeerView(string Site, string Node, string TunnelEndpoint, double? RttMs);

/// <summary>Dictionary keys are already snake_case names chosen by the worker; they are passed on unchanged.</summary>
public sealed record NodeCountersView(
    string Source, long FlowsActive, long PacketsTranslated, long PacketsIn, long PacketsOut, long TunnelPacketsIn, long TunnelDatagramsOut,
    long MissesQueued, long MissesReported, long MissesExpired, long MissesWaiting, long DroppedTotal,
    IReadOnlyDictionary<string, long> Drops, IReadOnlyDictionary<string, long> All);

public static class NodeTableViewMapping
{
    public static NodeTableView ToView(this NodeTable t) => new(
        t.Site, t.Node, t.TableVersion, t.PublishedAtUtc,
        t.Services.Select(s => new NodeTableServiceView(s.ServiceId, s.Version,
            s.ServiceIps.Select(ip => new ServiceIpView(ip.Policy, ip.Ipv4, ip.Ipv6)).ToArray(),
            s.Instances.Select(i => new NodeTableInstanceView(i.InstanceId, i.InstanceIpv4, i.InstanceIpv6, i.Status, i.Epoch, i.Node, i.Via,
                i.NamespaceIpv4, i.NamespaceIpv6, i.TunnelEndpoint)).ToArray())).ToArray(),
        t.LocalInstances.Select(l => new NodeTableLocalView(l.InstanceId, l.ServiceId, l.InstanceIpv4, l.InstanceIpv6,
            l.NamespaceIpv4, l.NamespaceIpv6, l.Epoch, l.Draining)).ToArray(),
        t.Peers.Select(p => new NodeTablePeerView(p.Site, p.Node, p.TunnelEndpoint, p.RttMs)).ToArray(),
        new NodeCountersView(t.Counters.Source, t.Counters.FlowsActive, t.Counters.PacketsTranslated, t.Counters.PacketsIn, t.Counters.PacketsOut,
            t.Counters.TunnelPacketsIn, t.Counters.TunnelDatagramsOut, t.Counters.MissesQueued, t.Counters.MissesReported,
            t.Counters.MissesExpired, t.Counters.MissesWaiting, t.Counters.DroppedTotal,
            new SortedDictionary<string, long>(t.Counters.Drops.ToDictionary(), StringComparer.Ordinal),
            new SortedDictionary<string, long>(t.Counters.All.ToDictionary(), StringComparer.Ordinal)),
        t.Refused?.Select(r => new NodeTableRefusedView(r.Entry, r.Reason)).ToArray() ?? []);
}
