using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Oakestra.Actors.Contracts.Discovery;
using Oakestra.Actors.Contracts.Messaging;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.WorkerNode.Memory;

namespace Oakestra.Actors.WorkerNode.Actors;

/// <summary>
/// The worker's route table: services of local instances (always kept, subscribed) and remote services
/// this node's instances talk to (kept while used, dropped after <see cref="WorkerSettings.InterestExpiry"/>
/// without traffic). Deltas are applied strictly in version order; a duplicate changes nothing, a gap asks
/// the orchestrator for a snapshot. Every change is passed to the packet path as a whole immutable table,
/// and kept in the node's memory: a new incarnation starts from the same table (its remote services count as
/// just used) and catches up by version.
/// </summary>
public sealed class RouteTableActor : ReceiveActor, IWithTimers
{
    private readonly WorkerSettings _settings;
    private readonly IActorRef _orchestrator;
    private readonly IActorRef _packetPath;
    private readonly NodeMemory _memory;
    private bool _unremembered;

    private readonly ServiceRoutesCache _cache = new();
    private readonly HashSet<string> _local = new();
    private readonly Dictionary<string, DateTime> _lastUsed = new(); // remote interests
    private readonly Dictionary<RouteKey, DateTime> _querying = new();
    private readonly Dictionary<RouteKey, DateTime> _notFoundUntil = new();
    private bool _dirty;
    private UpstreamSenders _upstream = null!;
    private readonly SenderRefusals _refusals = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public ITimerScheduler Timers { get; set; } = null!;

    public RouteTableActor(WorkerSettings settings, IActorRef orchestrator, IActorRef packetPath, NodeMemory memory)
    {
        _settings = settings;
        _orchestrator = orchestrator;
        _packetPath = packetPath;
        _memory = memory;

        Receive<TableMisses>(OnMisses);
        Receive<TableUsage>(OnUsage);
        // Routes decide where this node's packets go: only the orchestrator (the agent forwards its trust) sends them.
        Receive<UpstreamAdded>(m => _upstream = _upstream.With(m.Address));
        Receive<UpstreamLost>(m => _upstream = _upstream.Without(m.Address));
        FromOrchestrator<RouteFound>(OnFound);
        FromOrchestrator<RouteNotFound>(m => { _querying.Remove(m.Address); _notFoundUntil[m.Address] = Now + _settings.NotFoundHold; });
        FromOrchestrator<ServiceDelta>(OnDelta);
        FromOrchestrator<ServiceRoutesSnapshot>(OnSnapshot);
        Receive<LocalInstancesChanged>(OnLocalInstances);
        Receive<ResyncInterests>(_ => Resync());
        Receive<ComposeDigest>(m => _orchestrator.Tell(new WorkerDigest(m.Site, m.Node, m.Worker, m.Placements,
            _cache.Services.Values.Where(r => Interested(r.ServiceId)).Select(r => new ServiceVersion(r.ServiceId, r.Version)).ToArray(),
            m.PeersVersion), m.Worker));
        Receive<Tick>(_ => OnTick());
        Receive<Flush>(_ => PublishNow());
    }

    public static Props Props(WorkerSettings settings, IActorRef orchestrator, IActorRef packetPath, NodeMemory memory) =>
        Akka.Actor.Props.Create(() => new RouteTableActor(settings, orchestrator, packetPath, memory));

    private void FromOrchestrator<T>(Action<T> handler) => Receive<T>(m =>
    {
        if (_upstream.Allows(Sender)) handler(m);
        else _refusals.Refuse(m!, Sender, $"only the orchestrator of site {_settings.Site} sends routes", _log);
    });

    protected override void PreStart()
    {
        _upstream = UpstreamSenders.Of(Self.Path.Address);
        var now = Now;
        foreach (var routes in _memory.Services.Values)
        {
            _cache.Set(routes);
            _lastUsed[routes.ServiceId] = now; // local ones move to _local when the agent tells what runs here
        }
        var tick = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond * 50, Math.Min(TimeSpan.TicksPerSecond, _settings.InterestExpiry.Ticks / 5)));
        Timers.StartPeriodicTimer("tick", Tick.Instance, tick);
        PublishNow();
    }

    private static DateTime Now => DateTime.UtcNow;
    private string Node => _settings.Node;

    private bool Interested(string service) => _local.Contains(service) || _lastUsed.ContainsKey(service);

    private void OnMisses(TableMisses msg)
    {
        var now = Now;
        foreach (var key in msg.Addresses)
        {
            if (_cache.ServiceOf(key) is { } known) { Touch(known, now); continue; }
            if (_querying.ContainsKey(key)) continue;
            if (_notFoundUntil.TryGetValue(key, out var until) && until > now) continue;
            _querying[key] = now;
            _orchestrator.Tell(new QueryRoute(Node, key), Self);
        }
    }

    private void OnUsage(TableUsage msg)
    {
        var now = Now;
        foreach (var key in msg.Addresses)
            if (_cache.ServiceOf(key) is { } service) Touch(service, now);
    }

    private void Touch(string service, DateTime now)
    {
        if (_lastUsed.ContainsKey(service)) _lastUsed[service] = now;
    }

    private void OnFound(RouteFound msg)
    {
        _querying.Remove(msg.Address);
        _notFoundUntil.Remove(msg.Address);
        if (msg.Routes.Deleted) return;
        // The query registered our interest at the orchestrator: from now on deltas come.
        if (!_local.Contains(msg.Routes.ServiceId)) _lastUsed[msg.Routes.ServiceId] = Now;
        if (DeltaRules.Offer(_cache, msg.Routes)) MarkDirty();
    }

    private void OnDelta(ServiceDelta delta)
    {
        if (!Interested(delta.ServiceId)) return; // crossed our unsubscribe
        switch (DeltaRules.Apply(_cache, delta))
        {
            case DeltaOutcome.Applied:
                if (_cache.TryGet(delta.ServiceId, out var now) && now.Deleted) Drop(delta.ServiceId, unsubscribe: false);
                MarkDirty();
                break;
            case DeltaOutcome.Gap:
            case DeltaOutcome.Unknown:
                _orchestrator.Tell(new RequestServiceSnapshot(delta.ServiceId, Node, Self), Self);
                break;
        }
    }

    private void OnSnapshot(ServiceRoutesSnapshot msg)
    {
        var service = msg.Routes.ServiceId;
        if (!Interested(service)) return;
        if (!DeltaRules.Offer(_cache, msg.Routes)) return;
        if (msg.Routes.Deleted) Drop(service, unsubscribe: false);
        MarkDirty();
    }

    private void OnLocalInstances(LocalInstancesChanged msg)
    {
        var now = Now;
        var held = msg.Instances.Select(i => i.ServiceId).ToHashSet();
        foreach (var service in held.Where(s => !_local.Contains(s)))
        {
            _local.Add(service);
            _lastUsed.Remove(service);
            _orchestrator.Tell(new SubscribeService(service, Node, Self), Self);
        }
        foreach (var service in _local.Where(s => !held.Contains(s)).ToArray())
        {
            // No local instance any more: kept like any remote service while it is used.
            _local.Remove(service);
            _lastUsed[service] = now;
        }
    }

    /// <summary>After (re)registration: the orchestrator may be new; state every interest again and catch up by version.</summary>
    private void Resync()
    {
        foreach (var service in _local.Concat(_lastUsed.Keys))
            _orchestrator.Tell(new SubscribeService(service, Node, Self), Self);
        foreach (var key in _querying.Keys) _orchestrator.Tell(new QueryRoute(Node, key), Self);
    }

    private void OnTick()
    {
        var now = Now;
        foreach (var (service, used) in _lastUsed.ToArray())
            if (now - used > _settings.InterestExpiry) { Drop(service, unsubscribe: true); MarkDirty(); }
        foreach (var (key, sent) in _querying.ToArray())
            if (now - sent > _settings.RetryInterval) { _querying[key] = now; _orchestrator.Tell(new QueryRoute(Node, key), Self); }
        foreach (var service in _local.Where(s => !_cache.TryGet(s, out _)))
            _orchestrator.Tell(new SubscribeService(service, Node, Self), Self);
        foreach (var (key, until) in _notFoundUntil.ToArray())
            if (until <= now) _notFoundUntil.Remove(key);
        if (_unremembered)
        {
            _unremembered = false;
            _memory.Remember(_cache.Services.Values);
        }
    }

    private void Drop(string service, bool unsubscribe)
    {
        _cache.Remove(service);
        _lastUsed.Remove(service);
        if (unsubscribe) _orchestrator.Tell(new UnsubscribeService(service, Node), Self);
    }

    // Changes arriving together (a burst of deltas) are published once: Flush queues behind them.
    private void MarkDirty()
    {
        if (_dirty) return;
        _dirty = true;
        Self.Tell(Flush.Instance);
    }

    private void PublishNow()
    {
        _dirty = false;
        _unremembered = true;
        _packetPath.Tell(new RoutesChanged(_cache.Services.ToImmutableDictionary()));
    }

    private sealed class Tick { public static readonly Tick Instance = new(); }
    private sealed class Flush { public static readonly Flush Instance = new(); }
}
