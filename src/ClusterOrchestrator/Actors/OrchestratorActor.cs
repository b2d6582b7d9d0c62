using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Oakestra.Actors.ClusterOrchestrator.Link;
using Oakestra.Actors.Contracts.Discovery;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;

namespace Oakestra.Actors.ClusterOrchestrator.Actors;

/// <summary>
/// The site's orchestrator (well-known path <c>/user/orchestrator</c> in the site's cluster). Its parts, one
/// file each: the site's link to the root tier (here), the worker registry (<c>.Workers</c>), placements and
/// anti-entropy (<c>.Placements</c>), table queries, interests and delta fan-out (<c>.Routes</c>). All its state
/// can be rebuilt: the root keeps subnets, interests and epochs; workers re-register and report what they run.
/// The site keeps working while the root tier is out of reach: placements run, queries for services in its
/// cache are answered, reports wait in the link's queue.
/// </summary>
public sealed partial class OrchestratorActor : ReceiveActor, IWithTimers
{
    public const string Name = "orchestrator";

    private readonly OrchestratorSettings _settings;
    private readonly Props _rootLinkProps;
    private IActorRef _root = ActorRefs.Nobody;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _siteRegistered;
    private readonly MessageDropper? _dropper;

    public ITimerScheduler Timers { get; set; } = null!;

    public OrchestratorActor(OrchestratorSettings settings, Props rootLink)
    {
        _settings = settings;
        _rootLinkProps = rootLink;
        _peers = new PeerDirectory(settings.Site, PeerDirectory.FirstVersionAt(DateTime.UtcNow), settings.PeerChunk);
        if (settings.DropOneIn > 0) _dropper = new MessageDropper(settings.DropOneIn, settings.DropMessages);

        Receive<UpstreamAvailable>(_ => { _siteRegistered = false; RegisterSite(); });
        Receive<UseUpstream>(m => _root.Tell(m));
        Receive<GetRootLinkStatus>(m => _root.Forward(m));
        Receive<RetryTick>(_ => Retry());
        Receive<SiteRegistered>(OnSiteRegistered);
        WorkerHandlers();
        PlacementHandlers();
        RouteHandlers();
    }

    public static Props Props(OrchestratorSettings settings, Props rootLink) =>
        Akka.Actor.Props.Create(() => new OrchestratorActor(settings, rootLink));

    protected override bool AroundReceive(Receive receive, object message)
    {
        if (_dropper?.Drops(message) == true)
        {
            _log.Warning("test switch: dropped {0} ({1} so far)", message.GetType().Name, _dropper.Dropped);
            return true;
        }
        if (Refused(SiteSenders.RefuseFromWorker(_workers, Self.Path.Address, message, Sender), message)) return true;
        return base.AroundReceive(receive, message);
    }

    protected override void PreStart()
    {
        if (_dropper is { } d)
            _log.Warning("test switch on: every {0}th of {1} arriving here is dropped", d.OneIn, string.Join(", ", d.TypeNames.Order()));
        _root = Context.ActorOf(_rootLinkProps, RootLink.Name);
        if (Context.System is ExtendedActorSystem { Provider: IClusterActorRefProvider })
            Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(ClusterEvent.IReachabilityEvent));
        Timers.StartPeriodicTimer("retry", RetryTick.Instance, _settings.RetryInterval);
        Timers.StartPeriodicTimer("digest", DigestTick.Instance, _settings.DigestInterval);
        RegisterSite();
    }

    protected override void PostStop()
    {
        if (Context.System is ExtendedActorSystem { Provider: IClusterActorRefProvider })
            Cluster.Get(Context.System).Unsubscribe(Self);
    }

    private string Site => _settings.Site;

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
        _log.Info("site {0} registered at the root tier", Site);
        // The root may have restarted, or this orchestrator may be new: state everything we rely on again; all of
        // it is idempotent there. What runs is told by the digest that follows at once.
        foreach (var service in _interest.Keys) { _subscribedAtRoot.Add(service); _root.Tell(new SubscribeService(service, Site, Self)); }
        foreach (var w in _workers.All.Where(w => w.State != WorkerState.Down)) _subnetsPending.Add(w.Node);
        foreach (var node in _subnetsPending) AskSubnets(node);
        foreach (var key in _resolving.Keys) _root.Tell(new ResolveRoute(Site, Self, key));
        foreach (var w in _workers.All.Where(w => w.State != WorkerState.Up))
            _root.Tell(new WorkerStateChanged(Site, w.Node, w.State));
        SendSiteDigest();
    }

    private sealed class RetryTick
    {
        public static readonly RetryTick Instance = new();
    }

    private sealed class DigestTick
    {
        public static readonly DigestTick Instance = new();
    }
}
