using System.Diagnostics.Metrics;
using Oakestra.Actors.Contracts.Hosting.Metrics;
using Oakestra.Actors.Contracts.Protocol;

namespace Oakestra.Actors.WorkerNode.Hosting;

/// <summary>
/// The worker's series of docs/METRICS.md (meter <see cref="MeterName"/>): the data plane's counters as `oak table`
/// shows them, and the table it forwards by. Every instrument is observable: its callback reads, at scrape time,
/// what the forwarding loop already counts (plain 64-bit counters); nothing is added on the packet path. One
/// scrape reads the counters once (<see cref="Snapshot"/>), however many instruments it collects.
/// </summary>
public sealed class DataPlaneMetrics : IMetricsSource
{
    public const string MeterName = OakMetrics.MeterName + ".DataPlane";

    private static readonly TimeSpan SnapshotAge = TimeSpan.FromMilliseconds(250);

    // (series label, counter name in NodeCounters.All) of the loop's I/O counters.
    private static readonly (string Direction, string Path, string Counter)[] Packets =
    [
        ("in", "tun", "io_tun_packets_in"),
        ("out", "tun", "io_tun_packets_out"),
        ("in", "tunnel", "io_tunnel_packets_in"),
        ("out", "tunnel", "io_tunnel_datagrams_out"),
    ];

    private static readonly (string Direction, string Counter)[] Datagrams =
    [
        ("in", "io_tunnel_datagrams_in"),
        ("out", "io_tunnel_datagrams_out"),
    ];

    private static readonly (string Path, string Counter)[] Translated =
    [
        ("to_tunnel", "out_to_tunnel"),
        ("to_tun", "in_to_tun"),
        ("forwarded_moved", "forwarded_to_moved_instance"),
    ];

    private static readonly string[] FlowEvents = ["hit", "new", "learned", "evicted", "expired", "conflict"];
    private static readonly (string Event, string Counter)[] MissEvents =
    [
        ("queued", "miss_queued"),
        ("reported", "miss_reported"),
        ("report_deferred", "miss_report_deferred"),
        ("flushed", "miss_flushed"),
    ];

    private readonly WatchedDataPlane _dataPlane;
    private readonly Func<DateTimeOffset> _now;
    private (NodeCounters Counters, DateTimeOffset At)? _snapshot;
    private readonly object _gate = new();

    public DataPlaneMetrics(WatchedDataPlane dataPlane, IMeterFactory meters, TimeProvider? clock = null)
    {
        _dataPlane = dataPlane;
        var time = clock ?? TimeProvider.System;
        _now = time.GetUtcNow;
        var meter = meters.Create(MeterName);

        meter.CreateObservableCounter("oak_dataplane_packets", () => Read(Packets.Select(p =>
                Measure(Counter(p.Counter, Summary(p)), ("direction", p.Direction), ("path", p.Path)))),
            unit: "{packet}", description: "Packets the data plane received (in) or sent (out), by path: tun (local instances) or tunnel (peers; out counts every datagram, probes included)");
        meter.CreateObservableCounter("oak_dataplane_tunnel_datagrams", () => Read(Datagrams.Select(d =>
                Measure(Counter(d.Counter), ("direction", d.Direction)))),
            unit: "{datagram}", description: "UDP tunnel datagrams received (before any check) and sent");
        meter.CreateObservableCounter("oak_dataplane_translated_packets", () => Read(Translated.Select(t =>
                Measure(Counter(t.Counter), ("path", t.Path)))),
            unit: "{packet}", description: "Packets the translator rewrote: to_tunnel (to a peer), to_tun (to a local instance), forwarded_moved (sent on once to an instance's new node)");
        meter.CreateObservableCounter("oak_dataplane_drops", () => Read(Snapshot().Drops.Select(d =>
                Measure(d.Value, ("reason", d.Key)))),
            unit: "{packet}", description: "Packets dropped, by reason (the drop reasons of `oak table`)");
        meter.CreateObservableGauge("oak_dataplane_flows_active", () => Snapshot().FlowsActive,
            unit: "{flow}", description: "Flows in the flow table");
        meter.CreateObservableCounter("oak_dataplane_flow_events", () => Read(FlowEvents.Select(e =>
                Measure(Counter("flow_" + e), ("event", e)))),
            unit: "{flow}", description: "Flow table events: hit, new, learned, evicted, expired, conflict");
        meter.CreateObservableCounter("oak_dataplane_misses", () => Read(MissEvents.Select(m =>
                Measure(Counter(m.Counter, m.Event == "queued" ? Snapshot().MissesQueued : m.Event == "reported" ? Snapshot().MissesReported : null), ("event", m.Event)))),
            unit: "{packet}", description: "Table misses: packets queued while their route is asked for, reports sent to the control plane, reports deferred, packets flushed");
        meter.CreateObservableGauge("oak_dataplane_miss_destinations_waiting", () => Snapshot().MissesWaiting,
            unit: "{destination}", description: "Destinations whose packets wait for a route");
        meter.CreateObservableGauge("oak_dataplane_peer_rtt", ReadRtts,
            unit: "s", description: "Round-trip time measured by the tunnel's probes, per peer");

        meter.CreateObservableGauge("oak_worker_table_version", () => _dataPlane.Last is { } l ? [new Measurement<long>(l.Table.Version)] : Array.Empty<Measurement<long>>(),
            description: "Version of the table the data plane forwards by (grows with every publish)");
        meter.CreateObservableGauge("oak_worker_service_version", ReadServiceVersions,
            description: "Version of each service in the table the data plane forwards by");
        meter.CreateObservableGauge("oak_worker_table_age", () => _dataPlane.Last is { } l ? [new Measurement<double>((_now() - l.At).TotalSeconds)] : Array.Empty<Measurement<double>>(),
            unit: "s", description: "Seconds since the agent last published a table to the data plane");
        meter.CreateObservableGauge("oak_worker_local_instances", () => _dataPlane.Last?.Table.LocalInstances.Count ?? 0,
            unit: "{instance}", description: "Placements the table runs on this node");
        meter.CreateObservableGauge("oak_worker_peers", () => _dataPlane.Last?.Table.Peers.Count ?? 0,
            unit: "{node}", description: "Peers (other nodes' tunnel endpoints) in the table");
    }

    /// <summary>The data plane's counters, read at most once per <see cref="SnapshotAge"/> (one scrape collects every instrument from one read).</summary>
    public NodeCounters Snapshot()
    {
        lock (_gate)
        {
            var now = _now();
            if (_snapshot is { } s && now - s.At < SnapshotAge) return s.Counters;
            var counters = _dataPlane.ReadCounters();
            _snapshot = (counters, now);
            return counters;
        }
    }

    private long Counter(string name, long? summary = null) =>
        Snapshot().All.TryGetValue(name, out var v) ? v : summary ?? 0;

    /// <summary>A data plane that keeps only totals (source <c>summary</c>) still has its tunnel packets.</summary>
    private long? Summary((string Direction, string Path, string Counter) p) => (p.Direction, p.Path) switch
    {
        ("in", "tunnel") => Snapshot().TunnelPacketsIn,
        ("out", "tunnel") => Snapshot().TunnelDatagramsOut,
        _ => null,
    };

    private static Measurement<long> Measure(long value, params (string Key, string Value)[] labels) =>
        new(value, labels.Select(l => new KeyValuePair<string, object?>(l.Key, l.Value)));

    private static IEnumerable<Measurement<long>> Read(IEnumerable<Measurement<long>> measurements) => measurements.ToArray();

    private IEnumerable<Measurement<double>> ReadRtts()
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in _dataPlane.Last?.Table.Peers ?? []) names[p.TunnelEndpoint] = p.Node;
        return _dataPlane.PeerRtts.Select(r => new Measurement<double>(r.Value.TotalSeconds,
            new KeyValuePair<string, object?>("peer", names.GetValueOrDefault(r.Key, r.Key)),
            new KeyValuePair<string, object?>("endpoint", r.Key))).ToArray();
    }

    private IEnumerable<Measurement<long>> ReadServiceVersions() =>
        _dataPlane.Last is { } l
            ? l.Table.Services.Select(s => new Measurement<long>(s.Version, new KeyValuePair<string, object?>("service", s.ServiceId))).ToArray()
            : [];
}
