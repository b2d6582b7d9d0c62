using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Oakestra.Actors.Contracts.Discovery;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;

namespace Oakestra.Actors.ClusterOrchestrator.Actors;

/// <summary>
/// The site's orchestrator (well-known path <c>/user/orchestrator</c>): registers the site at the root,
/// keeps the registry of its workers, places instances, answers table queries from its cache and
/// aggregates the workers' interests into one interest of the site at the root, fans deltas out to
/// exactly the interested workers, and reports lost workers' instances Failed so the root re-places them.
/// All its state can be rebuilt: the root keeps subnets and interests, workers re-register and re-report.
/// </summary>
public sealed class OrchestratorActor : ReceiveActor, IWithTimers
{
    public const string Name = "orchestrator";

    private readonly OrchestratorSettings _settings;
    private readonly Props _rootLinkProps;
    private IActorRef _root = ActorRefs.Nobody;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private readonly SiteWorkers _workers = new();
    private readonly ServiceRoutesCache _cache = new();
    // service → node → the worker's route table actor
    private readonly Dictionary<string, Dictionary<string, IActorRef>> _interest = new();
    private readonly HashSet<string> _subscribedAtRoot = new();
    private readonly Dictionary<RouteKey, List<(string Node, IActorRef ReplyTo)>> _resolving = new();
    private readonly HashSet<string> _subnetsPending = new();
    // newest version announced by a delta that arrived before the service's first snapshot
    private readonly Dictionary<string, long> _earlyDeltas = new();
    private bool _siteRegistered;

    public ITimerScheduler Timers { get; set; } = null!;

    public OrchestratorActor(OrchestratorSettings settings, Props rootLink)
    {
        _settings = settings;
        _rootLinkProps = rootLink;

        Receive<UpstreamAvailable>(_ => { _siteRegistered = false; RegisterSite(); });
        Receive<UseUpstream>(m => _root.Forward(m));
        Receive<RetryTick>(_ => Retry());
        Receive<SiteRegistered>(OnSiteRegistered);

        Receive<RegisterWorker>(OnRegisterWorker);
        Receive<WorkerSubnetsAssigned>(OnSubnetsAssigned);
        Receive<WorkerRegistrationRefused>(OnRegistrationRefused);
        Receive<UpdateWorkerLocation>(OnUpdateLocation);
        Receive<Terminated>(t => OnWorkerLost(t.ActorRef));
        Receive<ClusterEvent.UnreachableMember>(m => OnReachability(m.Member.Address, WorkerState.Unreachable));
        Receive<ClusterEvent.ReachableMember>(m => OnReachability(m.Member.Address, WorkerState.Up));

        Receive<PlaceInstance>(OnPlace);
        Receive<StopInstance>(OnStop);
        Receive<InstanceStatusReport>(OnStatusReport);
        Receive<StaleEpoch>(_ => { }); // answer to a Failed report we made for a lost worker: nothing runs any more

        Receive<QueryRoute>(OnQuery);
        Receive<RouteFound>(OnRouteFound);
        Receive<RouteNotFound>(OnRouteNotFound);
        Receive<SubscribeService>(OnSubscribe);
        Receive<UnsubscribeService>(OnUnsubscribe);
        Receive<ServiceDelta>(OnDelta);
        Receive<ServiceRoutesSnapshot>(OnSnapshot);
        Receive<RequestServiceSnapshot>(OnSnapshotRequest);

        Receive<QueryNodeTable>(OnQueryTable);
    }

    public static Props Props(OrchestratorSettings settings, Props rootLink) =>
        Akka.Actor.Props.Create(() => new OrchestratorActor(settings, rootLink));

    protected override void PreStart()
    {
        _root = Context.ActorOf(_rootLinkProps, "root-link");
        if (Context.System is ExtendedActorSystem { Provider: IClusterActorRefProvider })
            Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(ClusterEvent.IReachabilityEvent));
        Timers.StartPeriodicTimer("retry", RetryTick.Instance, _settings.RetryInterval);
        RegisterSite();
    }

    protected override void PostStop()
    {
        if (Context.System is ExtendedActorSystem { Provider: IClusterActorRefProvider })
            Cluster.Get(Context.System).Unsubscribe(Self);
    }

    private string Site => _settings.Site;

    // ---- site registration and resync with the root ----

    private void RegisterSite() => _root.Tell(new RegisterSite(Site, Self));

    private void Retry()
    {
        if (!_siteRegistered) RegisterSite();
        foreach (var node in _subnetsPending) AskSubnets(node);
        foreach (var key in _resolving.Keys) _root.Tell(new ResolveRoute(Site, Self, key));
        // subscribed but still without a first snapshot
        foreach (var service in _subscribedAtRoot.Where(s => !_cache.TryGet(s, out _)))
            _root.Tell(new SubscribeService(service, Site, Self));
    }

    private void OnSiteRegistered(SiteRegistered msg)
    {
        if (_siteRegistered) return;
        _siteRegistered = true;
        _log.Info("site {0} registered at the root", Site);
        // The root may have restarted: state everything we rely on again; all of it is idempotent there.
        foreach (var service in _interest.Keys) { _subscribedAtRoot.Add(service); _root.Tell(new SubscribeService(service, Site, Self)); }
        foreach (var node in _subnetsPending) AskSubnets(node);
        foreach (var key in _resolving.Keys) _root.Tell(new ResolveRoute(Site, Self, key));
        foreach (var w in _workers.All.Where(w => w.State != WorkerState.Up))
            _root.Tell(new WorkerStateChanged(Site, w.Node, w.State));
    }

    // ---- workers ----

    private void OnRegisterWorker(RegisterWorker msg)
    {
        if (msg.Site != Site)
        {
            msg.Worker.Tell(new WorkerRegistrationRefused(msg.Site, msg.Node, $"this is the orchestrator of site '{Site}'"));
            return;
        }
        var known = _workers.Get(msg.Node);
        if (known is not null && !known.Ref.Equals(msg.Worker))
        {
            // The node's process was replaced: what the old one ran is gone.
            Context.Unwatch(known.Ref);
            ReportPlacementsLost(known.Node, "worker restarted");
            known = null;
        }
        Context.Watch(msg.Worker);
        var worker = new SiteWorker(msg.Node, msg.Worker, msg.TunnelEndpoint, msg.Latitude, msg.Longitude, WorkerState.Up,
            known?.SubnetV4, known?.SubnetV6);
        _workers.Put(worker);
        // Answer at once from what we know; the root's answer (the same subnets, keyed by site/node) follows.
        if (worker.SubnetV4 is { } v4 && worker.SubnetV6 is { } v6)
            msg.Worker.Tell(new WorkerSubnetsAssigned(Site, msg.Node, v4, v6));
        _subnetsPending.Add(msg.Node);
        AskSubnets(msg.Node);
    }

    private void AskSubnets(string node)
    {
        var w = _workers.Get(node);
        if (w is null) { _subnetsPending.Remove(node); return; }
        _root.Tell(new AssignWorkerSubnets(Site, node, w.TunnelEndpoint, w.Latitude, w.Longitude));
    }

    private void OnSubnetsAssigned(WorkerSubnetsAssigned msg)
    {
        _subnetsPending.Remove(msg.Node);
        var w = _workers.Get(msg.Node);
        if (w is null || w.State == WorkerState.Down) return;
        _workers.Put(w with { SubnetV4 = msg.SubnetV4, SubnetV6 = msg.SubnetV6 });
        w.Ref.Tell(msg);
        _root.Tell(new WorkerStateChanged(Site, msg.Node, w.State));
        BroadcastPeers();
    }

    private void OnRegistrationRefused(WorkerRegistrationRefused msg)
    {
        _subnetsPending.Remove(msg.Node);
        _workers.Get(msg.Node)?.Ref.Tell(msg);
    }

    private void OnUpdateLocation(UpdateWorkerLocation msg)
    {
        var w = _workers.Get(msg.Node);
        if (w is null) return;
        _workers.Put(w with { Latitude = msg.Latitude, Longitude = msg.Longitude });
        w.Ref.Tell(msg);
        BroadcastPeers();
    }

    private void OnReachability(Address address, WorkerState state)
    {
        foreach (var w in _workers.All.Where(w => w.Ref.Path.Address.Equals(address) && w.State != WorkerState.Down).ToArray())
        {
            if (w.State == state) continue;
            _workers.Put(w with { State = state });
            _root.Tell(new WorkerStateChanged(Site, w.Node, state));
        }
    }

    /// <summary>
    /// A worker left or was downed (DeathWatch fires for both). Its placements are reported Failed with
    /// their epochs: the root's Instance entity owns epochs, so it re-places them (same Instance IPs,
    /// next epoch) with a new PlaceInstance — the orchestrator never invents an epoch.
    /// </summary>
    private void OnWorkerLost(IActorRef worker)
    {
        var w = _workers.ByRef(worker);
        if (w is null || w.State == WorkerState.Down) return;
        _log.Warning("worker {0} of site {1} lost", w.Node, Site);
        _workers.Put(w with { State = WorkerState.Down });
        _subnetsPending.Remove(w.Node);
        _root.Tell(new WorkerStateChanged(Site, w.Node, WorkerState.Down));
        ReportPlacementsLost(w.Node, "worker lost");
        foreach (var service in _interest.Keys.ToArray()) RemoveInterest(service, w.Node);
        BroadcastPeers();
    }

    private void ReportPlacementsLost(string node, string why)
    {
        foreach (var (instance, epoch) in _workers.PlacementsOn(node))
        {
            _workers.Untrack(instance, epoch);
            _root.Tell(new InstanceStatusReport(instance, epoch, InstanceStatus.Failed, null, why));
        }
    }

    private void BroadcastPeers()
    {
        var up = _workers.All.Where(w => w.Placeable).OrderBy(w => w.Node, StringComparer.Ordinal).ToArray();
        var peers = new SitePeers(Site, up.Select(w => new SitePeer(Site, w.Node, w.TunnelEndpoint, w.Latitude, w.Longitude)).ToArray());
        foreach (var w in up) w.Ref.Tell(peers);
    }

    /// <summary>`oak table`: relayed to the worker with the asker as sender (it answers the asker directly); refused here when it cannot be reached.</summary>
    private void OnQueryTable(QueryNodeTable msg)
    {
        var w = msg.Site == Site ? _workers.Get(msg.Node) : null;
        string? refusal = msg.Site != Site ? $"this is the orchestrator of site {Site}, not {msg.Site}"
            : w is null ? $"node {msg.Node} is not registered at the orchestrator of site {Site}"
            : w.State != WorkerState.Up ? $"node {msg.Node} of site {Site} is {w.State.ToString().ToLowerInvariant()}"
            : null;
        if (refusal is not null) Sender.Tell(new NodeTableUnavailable(msg.Site, msg.Node, refusal));
        else w!.Ref.Forward(msg);
    }

    // ---- instances ----

    private void OnPlace(PlaceInstance msg)
    {
        var (worker, refusal) = _workers.Choose(msg.Node);
        if (worker is null)
        {
            Sender.Tell(new PlacementRefused(msg.Launch.InstanceId, msg.Launch.Epoch, refusal!));
            return;
        }
        _workers.Track(msg.Launch.InstanceId, msg.Launch.Epoch, worker.Node);
        worker.Ref.Tell(new StartInstance(msg.Launch));
    }

    private void OnStop(StopInstance msg)
    {
        var node = _workers.NodeOf(msg.InstanceId, msg.Epoch);
        if (node is not null) { _workers.Get(node)?.Ref.Tell(msg); return; }
        // Unknown placement (e.g. we restarted before its worker re-reported): workers ignore what they don't run.
        foreach (var w in _workers.All.Where(w => w.State != WorkerState.Down)) w.Ref.Tell(msg);
    }

    private void OnStatusReport(InstanceStatusReport msg)
    {
        var w = _workers.ByRef(Sender);
        if (w is not null)
        {
            if (msg.Status is InstanceStatus.Failed or InstanceStatus.Stopped) _workers.Untrack(msg.InstanceId, msg.Epoch);
            else _workers.Track(msg.InstanceId, msg.Epoch, w.Node);
        }
        // Forwarded with the worker as sender: a StaleEpoch answer goes straight to it.
        _root.Forward(msg);
    }

    // ---- table queries, interests, deltas ----

    private void OnQuery(QueryRoute msg)
    {
        var service = _cache.ServiceOf(msg.Address);
        if (service is not null && _subscribedAtRoot.Contains(service) && _cache.TryGet(service, out var routes))
        {
            AddInterest(service, msg.Node, Sender);
            Sender.Tell(new RouteFound(msg.Address, routes));
            return;
        }
        if (!_resolving.TryGetValue(msg.Address, out var waiting))
        {
            _resolving[msg.Address] = waiting = new();
            _root.Tell(new ResolveRoute(Site, Self, msg.Address));
        }
        if (!waiting.Any(x => x.Node == msg.Node)) waiting.Add((msg.Node, Sender));
    }

    private void OnRouteFound(RouteFound msg)
    {
        var service = msg.Routes.ServiceId;
        if (msg.Routes.Deleted) { OnRouteNotFound(new RouteNotFound(msg.Address)); return; }
        _subscribedAtRoot.Add(service);
        Offer(msg.Routes);
        if (!_resolving.Remove(msg.Address, out var waiting) || !_cache.TryGet(service, out var current)) return;
        foreach (var (node, replyTo) in waiting)
        {
            AddInterest(service, node, replyTo);
            replyTo.Tell(new RouteFound(msg.Address, current));
        }
    }

    private void OnRouteNotFound(RouteNotFound msg)
    {
        if (!_resolving.Remove(msg.Address, out var waiting)) return;
        foreach (var (_, replyTo) in waiting) replyTo.Tell(msg);
    }

    private void OnSubscribe(SubscribeService msg)
    {
        AddInterest(msg.ServiceId, msg.Subscriber, msg.SubscriberRef);
        if (_cache.TryGet(msg.ServiceId, out var routes)) msg.SubscriberRef.Tell(new ServiceRoutesSnapshot(routes));
        if (_subscribedAtRoot.Add(msg.ServiceId)) _root.Tell(new SubscribeService(msg.ServiceId, Site, Self));
    }

    private void OnUnsubscribe(UnsubscribeService msg) => RemoveInterest(msg.ServiceId, msg.Subscriber);

    private void OnDelta(ServiceDelta delta)
    {
        switch (DeltaRules.Apply(_cache, delta))
        {
            case DeltaOutcome.Applied:
                FanOut(delta.ServiceId, delta);
                if (_cache.TryGet(delta.ServiceId, out var now) && now.Deleted) Forget(delta.ServiceId);
                break;
            case DeltaOutcome.Gap:
                _root.Tell(new RequestServiceSnapshot(delta.ServiceId, Site, Self));
                break;
            case DeltaOutcome.Unknown:
                if (_subscribedAtRoot.Contains(delta.ServiceId) || _resolving.Count > 0)
                {
                    // The first snapshot may still be on its way (and older than this delta): remember.
                    _earlyDeltas[delta.ServiceId] = Math.Max(delta.ToVersion, _earlyDeltas.GetValueOrDefault(delta.ServiceId));
                    if (_subscribedAtRoot.Contains(delta.ServiceId)) _root.Tell(new RequestServiceSnapshot(delta.ServiceId, Site, Self));
                }
                else _root.Tell(new UnsubscribeService(delta.ServiceId, Site)); // the root still thinks we care
                break;
        }
    }

    private void OnSnapshot(ServiceRoutesSnapshot msg)
    {
        var service = msg.Routes.ServiceId;
        if (!_subscribedAtRoot.Contains(service) && !_interest.ContainsKey(service)) return;
        Offer(msg.Routes);
    }

    private void OnSnapshotRequest(RequestServiceSnapshot msg)
    {
        AddInterest(msg.ServiceId, msg.Subscriber, msg.SubscriberRef);
        if (_cache.TryGet(msg.ServiceId, out var routes)) msg.SubscriberRef.Tell(new ServiceRoutesSnapshot(routes));
        else if (_subscribedAtRoot.Add(msg.ServiceId)) _root.Tell(new SubscribeService(msg.ServiceId, Site, Self));
        else _root.Tell(new RequestServiceSnapshot(msg.ServiceId, Site, Self));
    }

    /// <summary>Takes a snapshot if newer and pushes it to the interested workers (they ignore what they already have).</summary>
    private void Offer(ServiceRoutes routes)
    {
        if (!DeltaRules.Offer(_cache, routes)) return;
        if (_earlyDeltas.Remove(routes.ServiceId, out var announced) && announced > routes.Version)
            _root.Tell(new RequestServiceSnapshot(routes.ServiceId, Site, Self));
        FanOut(routes.ServiceId, new ServiceRoutesSnapshot(routes));
        if (routes.Deleted) Forget(routes.ServiceId);
    }

    private void FanOut(string service, object message)
    {
        if (!_interest.TryGetValue(service, out var workers)) return;
        foreach (var worker in workers.Values) worker.Tell(message, Self);
    }

    private void AddInterest(string service, string node, IActorRef worker)
    {
        if (!_interest.TryGetValue(service, out var workers)) _interest[service] = workers = new();
        workers[node] = worker;
    }

    private void RemoveInterest(string service, string node)
    {
        if (!_interest.TryGetValue(service, out var workers) || !workers.Remove(node) || workers.Count > 0) return;
        Forget(service);
        _root.Tell(new UnsubscribeService(service, Site));
    }

    private void Forget(string service)
    {
        _interest.Remove(service);
        _subscribedAtRoot.Remove(service);
        _earlyDeltas.Remove(service);
        _cache.Remove(service);
    }

    private sealed class RetryTick
    {
        public static readonly RetryTick Instance = new();
    }
}
