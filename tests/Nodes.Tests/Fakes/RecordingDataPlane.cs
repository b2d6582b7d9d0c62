using System.Collections.Concurrent;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.WorkerNode.Ports;

namespace Oakestra.Actors.Nodes.Tests.Fakes;

/// <summary>
/// Plays the forwarding loop: tests inject misses and traffic; every published table is checked on
/// arrival — an instance's owner epoch must never go back — and the last one is kept.
/// </summary>
public sealed class RecordingDataPlane : IDataPlane
{
    private readonly object _gate = new();
    private readonly ConcurrentQueue<RouteKey> _misses = new();
    private readonly Dictionary<RouteKey, DateTime> _trafficUntil = new();
    private readonly Dictionary<string, long> _maxEpoch = new();
    private readonly List<string> _violations = new();
    private readonly Dictionary<string, TimeSpan> _rtts = new();
    private readonly HashSet<string> _everHeld = new();
    private DataPlaneTable? _last;
    private int _published;

    public DataPlaneTable? Last { get { lock (_gate) return _last; } }
    public int PublishCount { get { lock (_gate) return _published; } }
    public IReadOnlyList<string> Violations { get { lock (_gate) return _violations.ToArray(); } }

    public void Publish(DataPlaneTable table)
    {
        lock (_gate)
        {
            if (_last is not null && table.Version <= _last.Version) _violations.Add($"table version {table.Version} after {_last.Version}");
            foreach (var service in table.Services)
            foreach (var target in service.Instances.Where(t => t.Node is not null))
            {
                if (_maxEpoch.TryGetValue(target.InstanceId, out var max) && target.Epoch < max)
                    _violations.Add($"{table.Node}: {target.InstanceId} epoch {target.Epoch} published after {max}");
                else _maxEpoch[target.InstanceId] = target.Epoch;
            }
            foreach (var service in table.Services) _everHeld.Add(service.ServiceId);
            _last = table;
            _published++;
        }
    }

    /// <summary>A packet to this address found no entry.</summary>
    public void Miss(RouteKey key) => _misses.Enqueue(key);

    /// <summary>Traffic to this address until the given time (reported on every read until then).</summary>
    public void Traffic(RouteKey key, DateTime until) { lock (_gate) _trafficUntil[key] = until; }

    /// <summary>Traffic that is still flowing goes on for ever.</summary>
    public void KeepTraffic()
    {
        var now = DateTime.UtcNow;
        lock (_gate)
            foreach (var key in _trafficUntil.Where(t => t.Value > now).Select(t => t.Key).ToArray()) _trafficUntil[key] = DateTime.MaxValue;
    }

    public void StopTraffic() { lock (_gate) _trafficUntil.Clear(); }

    public void SetRtt(string endpoint, TimeSpan rtt) { lock (_gate) _rtts[endpoint] = rtt; }

    public IReadOnlyList<RouteKey> DrainMisses()
    {
        var list = new List<RouteKey>();
        while (_misses.TryDequeue(out var k)) if (!list.Contains(k)) list.Add(k);
        return list;
    }

    public IReadOnlyList<RouteKey> ReadUsage()
    {
        var now = DateTime.UtcNow;
        lock (_gate) return _trafficUntil.Where(t => t.Value > now).Select(t => t.Key).ToArray();
    }

    public DataPlaneCounters Counters => default;

    /// <summary>What the counters query answers (tests set it as the loop's counters would move).</summary>
    public NodeCounters ReportedCounters { get; set; } = NodeCounters.None("recording");

    public NodeCounters ReadCounters() => ReportedCounters;

    public IReadOnlyDictionary<string, TimeSpan> PeerRtts { get { lock (_gate) return new Dictionary<string, TimeSpan>(_rtts); } }

    public ServiceEntry? Service(string serviceId) => Last?.Services.FirstOrDefault(s => s.ServiceId == serviceId);

    /// <summary>Whether any table ever published here had the service.</summary>
    public bool EverHeld(string serviceId) { lock (_gate) return _everHeld.Contains(serviceId); }

    public bool Holds(string serviceId) => Service(serviceId) is not null;
}
