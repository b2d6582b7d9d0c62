using System.Collections.Concurrent;
using System.Diagnostics;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.WorkerNode.Ports;

namespace Oakestra.Actors.Bench.ControlPlane;

/// <summary>
/// The inert worker's data plane: forwards nothing (as <see cref="WorkerNode.Ports.Inert.InertDataPlane"/>), but
/// plays traffic to the remote services it is interested in (one miss each, then usage on every poll, so the
/// interest never expires) and records when a published table first carries a measured change. Called on the
/// packet-path actor's thread only; what the harness reads is published with volatile writes.
/// </summary>
public sealed class ProbeDataPlane(string node, ChangeWatches watches) : IDataPlane
{
    private readonly ConcurrentQueue<RouteKey> _misses = new();
    private volatile RouteKey[] _interests = [];
    private volatile HashSet<string> _held = new(StringComparer.Ordinal);
    private int _published;
    private int _local;

    public string Node { get; } = node;

    /// <summary>The services of the last table published here.</summary>
    public IReadOnlySet<string> Held => _held;

    public int PublishCount => Volatile.Read(ref _published);

    /// <summary>How many local placements the last table carried (Running or draining).</summary>
    public int LocalCount => Volatile.Read(ref _local);

    /// <summary>The remote services this worker was given interest in (written by the harness before any traffic).</summary>
    public HashSet<string> Wanted { get; } = new(StringComparer.Ordinal);

    /// <summary>Traffic to these Service IPs from now on (each missed once, then in use for ever).</summary>
    public void Interest(IReadOnlyList<RouteKey> keys)
    {
        foreach (var k in keys) _misses.Enqueue(k);
        _interests = [.. _interests, .. keys];
    }

    public void Publish(DataPlaneTable table)
    {
        var now = Stopwatch.GetTimestamp();
        var held = new HashSet<string>(table.Services.Count, StringComparer.Ordinal);
        foreach (var service in table.Services)
        {
            held.Add(service.ServiceId);
            if (watches.IsEmpty || !watches.TryGet(service.ServiceId, out var watch) || watch.Applied.ContainsKey(Node)) continue;
            foreach (var target in service.Instances)
            {
                if (target.Status != InstanceStatus.Running || target.Node is null || watch.Baseline.Contains(target.InstanceId)) continue;
                watch.NewNode = target.Node;
                watch.Applied.TryAdd(Node, now);
                break;
            }
        }
        _held = held;
        Volatile.Write(ref _local, table.LocalInstances.Count);
        Interlocked.Increment(ref _published);
    }

    public IReadOnlyList<RouteKey> DrainMisses()
    {
        if (_misses.IsEmpty) return [];
        var list = new List<RouteKey>();
        while (_misses.TryDequeue(out var k)) list.Add(k);
        return list;
    }

    public IReadOnlyList<RouteKey> ReadUsage() => _interests;

    public DataPlaneCounters Counters => default;
    public NodeCounters ReadCounters() => NodeCounters.None("bench probe");
    public IReadOnlyDictionary<string, TimeSpan> PeerRtts { get; } = new Dictionary<string, TimeSpan>();
}
