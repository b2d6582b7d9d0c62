using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.WorkerNode.Memory;
using Oakestra.Actors.WorkerNode.Ports;

namespace Oakestra.Actors.WorkerNode.Actors;

/// <summary>
/// The only actor that touches the data plane: compiles what the control plane knows into one immutable
/// table and publishes it (one reference swap on the data-plane side); polls the data plane for misses
/// and usage and passes them to its parent (for the route table). If the control plane is unreachable
/// nothing is published, so the data plane keeps forwarding with the last table.
/// </summary>
public sealed class PacketPathActor : ReceiveActor, IWithTimers
{
    private readonly WorkerSettings _settings;
    private readonly IDataPlane _dataPlane;
    private readonly NodeMemory _memory;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private ImmutableDictionary<string, ServiceRoutes> _services = ImmutableDictionary<string, ServiceRoutes>.Empty;
    private IReadOnlyList<LocalInstanceEntry> _local = [];
    private readonly PeerView _peers;
    private DateTime _snapshotAskedAt = DateTime.MinValue;
    private IReadOnlyDictionary<string, TimeSpan> _rtts = new Dictionary<string, TimeSpan>();
    private double _latitude, _longitude;
    private long _version;
    private bool _dirty;
    // Nothing is published before the agent has said what runs here: a new incarnation of the ActorSystem must not
    // replace the data plane's last table by one without the node's own instances (their packets would be dropped).
    private bool _localKnown;
    // What the data plane holds: the last table it accepted, and when.
    private DataPlaneTable? _published;
    private DateTime? _publishedAt;

    public ITimerScheduler Timers { get; set; } = null!;

    public PacketPathActor(WorkerSettings settings, IDataPlane dataPlane, NodeMemory memory)
    {
        _settings = settings;
        _dataPlane = dataPlane;
        _memory = memory;
        _peers = new PeerView(memory.Peers);
        _version = memory.TableVersion;
        _latitude = settings.Latitude;
        _longitude = settings.Longitude;

        Receive<RoutesChanged>(m => { _services = m.Services; MarkDirty(); });
        Receive<LocalInstancesChanged>(m => { _local = m.Instances; _localKnown = true; MarkDirty(); });
        Receive<SitePeersSnapshot>(m => OnPeers(_peers.Offer(m)));
        Receive<SitePeersChanged>(m => OnPeers(_peers.Apply(m)));
        Receive<UpdateWorkerLocation>(m => { _latitude = m.Latitude; _longitude = m.Longitude; MarkDirty(); });
        Receive<Poll>(_ => OnPoll());
        Receive<Flush>(_ => Publish());
        Receive<QueryNodeTable>(OnQueryTable);
    }

    public static Props Props(WorkerSettings settings, IDataPlane dataPlane, NodeMemory? memory = null) =>
        Akka.Actor.Props.Create(() => new PacketPathActor(settings, dataPlane, memory ?? NodeMemory.InProcess()));

    protected override void PreStart() => Timers.StartPeriodicTimer("poll", Poll.Instance, _settings.PollInterval);

    /// <summary>Peers changed: remembered, compiled, and the version told to the agent (its digest); a gap asks for the snapshot.</summary>
    private void OnPeers(PeerOutcome outcome)
    {
        switch (outcome)
        {
            case PeerOutcome.Applied:
                _memory.Remember(_peers.Peers);
                MarkDirty();
                Context.Parent.Tell(new PeersHeld(_peers.Version, false));
                break;
            case PeerOutcome.Gap when DateTime.UtcNow - _snapshotAskedAt >= SnapshotAskInterval:
                // Once per interval: the deltas already on their way behind the first gap would each ask again.
                _snapshotAskedAt = DateTime.UtcNow;
                _log.Info("peer delta does not follow version {0}: asking for the site's peers", _peers.Version);
                Context.Parent.Tell(new PeersHeld(_peers.Version, true));
                break;
        }
    }

    private static readonly TimeSpan SnapshotAskInterval = TimeSpan.FromSeconds(1);

    private void OnPoll()
    {
        var misses = _dataPlane.DrainMisses();
        if (misses.Count > 0) Context.Parent.Tell(new TableMisses(misses));
        var usage = _dataPlane.ReadUsage();
        if (usage.Count > 0) Context.Parent.Tell(new TableUsage(usage));
        var rtts = _dataPlane.PeerRtts;
        if (RttsMoved(_rtts, rtts)) { _rtts = new Dictionary<string, TimeSpan>(rtts); MarkDirty(); }
    }

    private bool RttsMoved(IReadOnlyDictionary<string, TimeSpan> old, IReadOnlyDictionary<string, TimeSpan> now)
    {
        if (old.Count != now.Count) return true;
        foreach (var (endpoint, rtt) in now)
            if (!old.TryGetValue(endpoint, out var before) || (rtt - before).Duration() >= _settings.RttChangeThreshold) return true;
        return false;
    }

    private void MarkDirty()
    {
        if (_dirty) return;
        _dirty = true;
        Self.Tell(Flush.Instance);
    }

    private IReadOnlyList<RefusedEntry> _refused = [];

    private void Publish()
    {
        _dirty = false;
        if (!_localKnown) return;
        var (table, refused) = TableAudit.Check(TableCompiler.Compile(++_version, _settings, _latitude, _longitude, _services, _local, _peers.Peers, _rtts),
            _dataPlane.AcceptsTunnelEndpoint);
        if (!refused.SequenceEqual(_refused))
        {
            if (refused.Count > 0)
                _log.Warning("table {0}: {1} entries left out, the rest is published: {2}", table.Version, refused.Count,
                    string.Join("; ", refused.Select(r => $"{r.Entry}: {r.Reason}")));
            else _log.Info("table {0}: no entry left out any more", table.Version);
        }
        _refused = refused;
        try
        {
            _dataPlane.Publish(table);
            _memory.TableVersion = table.Version;
            _published = table;
            _publishedAt = DateTime.UtcNow;
        }
        catch (Exception e) { _log.Error(e, "publishing table {0} to the data plane failed", table.Version); }
    }

    /// <summary>`oak table`: the table the data plane forwards by (not one still being compiled) and its counters now.</summary>
    private void OnQueryTable(QueryNodeTable query)
    {
        NodeCounters counters;
        try { counters = _dataPlane.ReadCounters(); }
        catch (Exception e) { counters = NodeCounters.None($"unreadable: {e.GetBaseException().Message}"); }
        Sender.Tell(NodeTableReport.Of(_settings.Site, _settings.Node, _published, _publishedAt, counters, _refused));
    }

    private sealed class Poll { public static readonly Poll Instance = new(); }
    private sealed class Flush { public static readonly Flush Instance = new(); }
}
