using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Tools.Client;
using Akka.Event;
using Oakestra.Actors.Contracts.Discovery;
using Oakestra.Actors.Contracts.Protocol;

namespace Oakestra.Actors.ClusterOrchestrator.Link;

/// <summary>How the link reaches the root tier: a ClusterClient to every root's receptionist, or one fixed actor (tests).</summary>
public abstract record RootTransport
{
    /// <summary><paramref name="Receptionists"/>: <c>akka.tcp://oakestra-root@host:port/system/receptionist</c>, one per root.</summary>
    public sealed record ViaClusterClient(IReadOnlyList<string> Receptionists) : RootTransport;

    public sealed record Fixed(IActorRef Gateway) : RootTransport;
}

public sealed record RootLinkSettings
{
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>No heartbeat answered for this long: the root tier is out of reach; reports are queued from then on.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(7);

    public int QueueCapacity { get; init; } = 10_000;
}

/// <summary>Anyone → link: how is the root tier? Answered with <see cref="RootLinkStatus"/>.</summary>
public sealed record GetRootLinkStatus
{
    public static readonly GetRootLinkStatus Instance = new();
}

public sealed record RootLinkStatus(bool Connected, DateTime? LastHeardUtc, int Queued, long DroppedFromQueue, long DroppedWhileAway);

/// <summary>
/// The site's link to the root tier (child of the orchestrator): a ClusterClient that knows every root and
/// reconnects to whichever answers, no DeathWatch across the tiers (it would quarantine), an application
/// heartbeat instead. While no root answers, reports (status, refusals, worker states) are queued, newest per
/// placement, and everything else is dropped (the orchestrator retries its requests); when a root answers
/// again the parent hears <see cref="UpstreamAvailable"/> (it registers the site again, idempotently) and the
/// queue is sent. Messages from the parent go up; anything else that arrives here (answers of the root tier)
/// goes to the parent with its sender.
/// </summary>
public sealed class RootLink : ReceiveActor, IWithTimers
{
    public const string Name = "root-link";

    private readonly string _site;
    private readonly RootTransport _transport;
    private readonly RootLinkSettings _settings;
    private readonly ReportQueue _queue;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IActorRef _client = ActorRefs.Nobody;
    private long _sequence;
    private DateTime? _lastHeard;
    private string? _rootIncarnation;
    private bool _connected;
    private long _droppedWhileAway;

    public ITimerScheduler Timers { get; set; } = null!;

    public RootLink(string site, RootTransport transport, RootLinkSettings settings)
    {
        _site = site;
        _transport = transport;
        _settings = settings;
        _queue = new ReportQueue(settings.QueueCapacity);

        Receive<Tick>(_ => OnTick());
        Receive<SiteHeartbeatAck>(OnAck);
        Receive<GetRootLinkStatus>(_ => Sender.Tell(Status()));
        Receive<UseUpstream>(u =>
        {
            // Tests: point a fixed link elsewhere (a restarted fake root).
            if (_transport is RootTransport.Fixed) _client = u.Target;
        });
        ReceiveAny(OnMessage);
    }

    public static Props Props(string site, RootTransport transport, RootLinkSettings? settings = null) =>
        Akka.Actor.Props.Create(() => new RootLink(site, transport, settings ?? new RootLinkSettings()));

    protected override void PreStart()
    {
        _client = _transport switch
        {
            RootTransport.ViaClusterClient c => Context.ActorOf(ClusterClient.Props(ClusterClientSettings.Create(Context.System)
                .WithInitialContacts(c.Receptionists.Select(ActorPath.Parse).ToImmutableHashSet())), "client"),
            RootTransport.Fixed f => f.Gateway,
            _ => throw new ArgumentOutOfRangeException(nameof(_transport)),
        };
        Timers.StartPeriodicTimer("heartbeat", Tick.Instance, _settings.HeartbeatInterval);
        OnTick();
    }

    private RootLinkStatus Status() => new(_connected, _lastHeard, _queue.Count, _queue.Dropped, _droppedWhileAway);

    private void OnMessage(object message)
    {
        if (!Sender.Equals(Context.Parent))
        {
            // An answer from the root tier (through the ClusterClient's response tunnel): it is the parent's.
            Context.Parent.Forward(message);
            return;
        }
        if (_connected)
        {
            Send(message);
            return;
        }
        if (ReportQueue.KeyOf(message) is { } key) _queue.Put(key, message);
        else _droppedWhileAway++;
    }

    private void OnTick()
    {
        if (_connected && (_lastHeard is null || DateTime.UtcNow - _lastHeard > _settings.Timeout))
        {
            _connected = false;
            _log.Warning("site {0}: the root tier has not answered for {1:0.#} s; the site runs on and queues its reports", _site, _settings.Timeout.TotalSeconds);
        }
        Send(new SiteHeartbeat(_site, Context.Parent, ++_sequence, _queue.Count));
    }

    private void OnAck(SiteHeartbeatAck ack)
    {
        _lastHeard = DateTime.UtcNow;
        var restartedRoot = _rootIncarnation is not null && _rootIncarnation != ack.RootIncarnation;
        _rootIncarnation = ack.RootIncarnation;
        if (_connected && !restartedRoot) return;
        var wasAway = !_connected;
        _connected = true;
        var queued = _queue.TakeAll();
        _log.Info("site {0}: root tier {1} (root incarnation {2}); sending {3} queued reports",
            _site, wasAway ? "reachable" : "restarted", ack.RootIncarnation, queued.Count);
        // Registration first (the parent states everything again), then what happened meanwhile.
        Context.Parent.Tell(new UpstreamAvailable($"root incarnation {ack.RootIncarnation}"));
        foreach (var message in queued) Send(message);
    }

    private void Send(object message)
    {
        if (_transport is RootTransport.ViaClusterClient)
            _client.Tell(new ClusterClient.Send(NodeRoles.RootGatewayPath, message, localAffinity: false), Self);
        else
            _client.Tell(message, Self);
    }

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }
}
