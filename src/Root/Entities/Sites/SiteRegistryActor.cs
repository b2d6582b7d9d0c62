using Oakestra.Actors.Contracts.Hosting;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Oakestra.Actors.Contracts.Messaging;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Root.Entities.Instances;
using Oakestra.Actors.Root.Pools;

namespace Oakestra.Actors.Root.Entities.Sites;

/// <summary>
/// The registry of edge sites and their workers (one persistent entity): orchestrator refs, worker
/// subnets from the pools, node states and locations, and which site each instance was handed to.
/// Instances that no site can take wait here and are woken when a site or a worker comes up. It also hears
/// every site's link (<c>.Links</c>: heartbeats, silence, loss) and compares the sites' digests
/// (<c>.Digests</c>) with what the Instance entities expect.
/// </summary>
public sealed partial class SiteRegistryActor : ReceivePersistentActor, IWithTimers
{
    private readonly RootRefs _refs;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, IActorRef> _orchestrators = new();
    private readonly SenderRefusals _refusals = new();
    private readonly Dictionary<string, Address> _heardFrom = new(StringComparer.Ordinal);
    private readonly RefusedWorkers _refusedWorkers = new();
    private SiteRegistryState _state = SiteRegistryState.Empty;

    private sealed record SubnetsResult(AssignWorkerSubnets Request, IActorRef ReplyTo, PoolResult<WorkerSubnets> Result);

    public ITimerScheduler Timers { get; set; } = null!;

    public SiteRegistryActor(RootRefs refs)
    {
        _refs = refs;
        _links = new SiteLinks(DateTime.UtcNow, refs.Settings.SiteSilence, refs.Settings.SiteGrace);
        Recover<ISiteRegistryEvent>(e => _state = _state.Apply(e));
        Recover<SnapshotOffer>(o => { if (o.Snapshot is SiteRegistryState s) _state = s; });
        Recover<RecoveryCompleted>(_ => Timers.StartPeriodicTimer("links", LinkTick.Instance, refs.Settings.LinkCheckInterval));

        Command<SiteRegistryEnvelope>(e => OnContract(e.Message));
        Command<RegisterSite>(OnContract);
        Command<AssignWorkerSubnets>(OnContract);
        Command<UpdateWorkerLocation>(OnContract);
        Command<WorkerStateChanged>(OnContract);
        Command<WorkerRefused>(OnContract);
        Command<SiteHeartbeat>(OnContract);
        Command<SiteDigest>(OnContract);
        Command<SubnetsResult>(OnSubnets);
        Command<ChoosePlacement>(OnChoose);
        Command<ForwardToSite>(f => OrchestratorOf(f.Site)?.Forward(f.Message));
        Command<InstancePlaced>(OnInstancePlaced);
        Command<InstanceLeft>(l =>
        {
            _mirror.Set(l.InstanceId, [], DateTime.UtcNow);
            if (_state.Assigned.ContainsKey(l.InstanceId) || _state.Waiting.Contains(l.InstanceId)) Change(new InstanceUnassigned(l.InstanceId));
        });
        Command<ListNodes>(_ => Sender.Tell(new NodeList(
            _state.Nodes.Values.OrderBy(n => n.Site, StringComparer.Ordinal).ThenBy(n => n.Node, StringComparer.Ordinal).ToArray(),
            _state.Nodes.Values.ToDictionary(n => n.Key, n => _state.InstancesOn(n.Site, n.Node)),
            _state.Sites.Keys.ToDictionary(s => s, s => _links.Of(s).LastHeardUtc),
            _refusedWorkers.Current(DateTime.UtcNow))));
        Command<ListSites>(_ => Sender.Tell(ListSitesNow()));
        Command<SetNodeLocation>(OnSetLocation);
        Command<DrainNode>(d => Cordon(d.Node, true));
        Command<UncordonNode>(u => Cordon(u.Node, false));
        Command<LinkTick>(_ => { CheckLinks(); Decommission(); });
        Command<NodeSubnetsReleased>(OnNodeSubnetsReleased);
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(f => _log.Warning(f.Cause, "site registry snapshot failed"));
    }

    public override string PersistenceId => "site-registry";

    private void OnContract(object message)
    {
        if (RefusedSpeaker(message)) return;
        switch (message)
        {
            case RegisterSite r:
                _orchestrators[r.Site] = r.Orchestrator;
                Heard(r.Site, r.Orchestrator, null);
                var path = Akka.Serialization.Serialization.SerializedActorPath(r.Orchestrator);
                if (_state.Sites.TryGetValue(r.Site, out var known) && known == path)
                {
                    r.Orchestrator.Tell(new SiteRegistered(r.Site));
                    WakeWaiting();
                }
                else
                {
                    Change(new SiteRecorded(r.Site, path), () =>
                    {
                        r.Orchestrator.Tell(new SiteRegistered(r.Site));
                        WakeWaiting();
                    });
                }
                break;
            case AssignWorkerSubnets a when !Api.NodeNames.IsValid(a.Node):
                // Its name would become part of its instances' namespace paths (`oak exec`): refused before it owns anything.
                Sender.Tell(new WorkerRegistrationRefused(a.Site, a.Node, $"node name must be {Api.NodeNames.Rule}"));
                break;
            case AssignWorkerSubnets a when _decommissioning.Contains(SiteRegistryState.KeyOf(a.Site, a.Node)):
                // Its old subnets are being released: no answer, the orchestrator asks again and gets subnets after.
                _log.Info("worker {0} of site {1} registers while it is being decommissioned: asked to come again", a.Node, a.Site);
                break;
            case AssignWorkerSubnets a:
                var replyTo = Sender;
                _refs.Pools.AllocateSubnetsAsync(a.Site, a.Node)
                    .PipeTo(Self, success: r => new SubnetsResult(a, replyTo, r),
                        failure: ex => new SubnetsResult(a, replyTo, new PoolError(PoolErrorKind.Unavailable, PoolNames.SubnetV4, ex.Message)));
                break;
            case UpdateWorkerLocation u:
                if (_state.Nodes.ContainsKey(SiteRegistryState.KeyOf(u.Site, u.Node)))
                    Change(new NodeLocationRecorded(u.Site, u.Node, u.Latitude, u.Longitude));
                break;
            case WorkerStateChanged w:
                if (_state.Nodes.TryGetValue(SiteRegistryState.KeyOf(w.Site, w.Node), out var node) && node.State != w.State)
                    Change(new NodeStateRecorded(w.Site, w.Node, w.State, DateTime.UtcNow), () =>
                    {
                        if (w.State == WorkerState.Up) WakeWaiting();
                        // Down = the site gave up on the node: its placements are lost for good (Unreachable may come back).
                        if (w.State == WorkerState.Down)
                            foreach (var (id, a) in _state.Assigned)
                                if (a.Site == w.Site && (a.Node is null || a.Node == w.Node))
                                    _refs.Instances.Tell(new NodeLost(id, w.Site, w.Node));
                    });
                break;
            case WorkerRefused refused:
                // Not persisted: the site repeats it while the worker keeps trying (`oak nodes` shows it meanwhile).
                _refusedWorkers.Put(refused, DateTime.UtcNow);
                break;
            case SiteHeartbeat h:
                Heard(h.Site, h.Orchestrator, h.QueuedReports);
                Sender.Tell(new SiteHeartbeatAck(h.Site, h.Sequence, _refs.Incarnation));
                break;
            case SiteDigest d:
                Heard(d.Site, d.Orchestrator, null);
                OnDigest(d);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void OnSubnets(SubnetsResult r)
    {
        var a = r.Request;
        if (!r.Result.Ok)
        {
            r.ReplyTo.Tell(new WorkerRegistrationRefused(a.Site, a.Node, r.Result.Error!.ToString()));
            return;
        }
        var subnets = r.Result.Value!;
        _refusedWorkers.Forget(a.Site, a.Node);
        // A drained node stays cordoned when its worker registers again (a restart is no uncordon).
        var cordoned = _state.Nodes.TryGetValue(SiteRegistryState.KeyOf(a.Site, a.Node), out var before) && before.Cordoned;
        var record = new NodeRecord(a.Site, a.Node, subnets.V4, subnets.V6, a.TunnelEndpoint, a.Latitude, a.Longitude, WorkerState.Up, cordoned);
        var reply = new WorkerSubnetsAssigned(a.Site, a.Node, subnets.V4, subnets.V6);
        if (_state.Nodes.TryGetValue(record.Key, out var known) && known == record)
        {
            r.ReplyTo.Tell(reply);
            return;
        }
        Change(new NodeRecorded(record), () =>
        {
            r.ReplyTo.Tell(reply);
            WakeWaiting();
        });
    }

    private void OnChoose(ChoosePlacement c)
    {
        var unavailable = _links.Unreachable(_state.Sites.Keys, DateTime.UtcNow);
        if (c.AvoidSite is { } avoid) unavailable = unavailable.Append(avoid).ToHashSet(StringComparer.Ordinal);
        var choice = c.Node is null && c.AnyOf is { Count: > 0 } anyOf
            ? _state.ChooseAmong(anyOf, c.Cluster, unavailable)
            : _state.Choose(c.Node, c.Cluster, unavailable);
        var replyTo = Sender;
        if (choice.Site is { } site)
        {
            Change(new InstanceAssigned(c.InstanceId, site, choice.Node), () => replyTo.Tell(new PlacementChosen(c.InstanceId, site, choice.Node)));
            return;
        }
        var refusal = new PlacementUnavailable(c.InstanceId, choice.Reason!);
        if (c.Wait && !_state.Waiting.Contains(c.InstanceId))
            Change(new InstanceWaiting(c.InstanceId), () => replyTo.Tell(refusal));
        else
            replyTo.Tell(refusal);
    }

    private void OnSetLocation(SetNodeLocation s)
    {
        var nodes = _state.NodesNamed(s.Node).ToArray();
        var replyTo = Sender;
        if (nodes.Length == 0)
        {
            replyTo.Tell(new NodeLocationSet(s.Node, 0));
            return;
        }
        var events = nodes.Select(n => new NodeLocationRecorded(n.Site, n.Node, s.Latitude, s.Longitude)).ToArray();
        PersistAll(events, e =>
        {
            _state = _state.Apply(e);
            OrchestratorOf(e.Site)?.Tell(new UpdateWorkerLocation(e.Site, e.Node, e.Latitude, e.Longitude));
        });
        DeferAsync(s, _ => replyTo.Tell(new NodeLocationSet(s.Node, nodes.Length)));
    }

    private void Cordon(string node, bool cordoned)
    {
        var nodes = _state.NodesNamed(node).ToArray();
        var replyTo = Sender;
        if (nodes.Length == 0)
        {
            replyTo.Tell(new DrainPlan(node, false, []));
            return;
        }
        var events = nodes.Where(n => n.Cordoned != cordoned).Select(n => new NodeCordoned(n.Site, n.Node, cordoned)).ToArray();
        PersistAll(events, e => _state = _state.Apply(e));
        DeferAsync(node, _ =>
        {
            if (!cordoned) WakeWaiting();
            var moves = cordoned ? _state.PlanDrain(node, _links.Unreachable(_state.Sites.Keys, DateTime.UtcNow)) : [];
            replyTo.Tell(new DrainPlan(node, true, moves));
        });
    }

    private void WakeWaiting()
    {
        foreach (var id in _state.Waiting) _refs.Instances.Tell(new RetryPlacement(id));
    }

    /// <summary>Whether the message is refused because its sender may not speak for the site it names (<see cref="SiteSpeakers"/>).</summary>
    private bool RefusedSpeaker(object message)
    {
        var (site, named) = message switch
        {
            RegisterSite r => ((string?)r.Site, (IActorRef?)r.Orchestrator),
            SiteHeartbeat h => (h.Site, h.Orchestrator),
            SiteDigest d => (d.Site, d.Orchestrator),
            AssignWorkerSubnets a => (a.Site, (IActorRef?)null),
            WorkerStateChanged w => (w.Site, (IActorRef?)null),
            WorkerRefused w => (w.Site, (IActorRef?)null),
            UpdateWorkerLocation u => (u.Site, (IActorRef?)null),
            _ => ((string?)null, (IActorRef?)null),
        };
        if (site is null) return false;
        var from = SiteSpeakers.Of(Sender);
        var reason = SiteSpeakers.Refuse(site, named, from, RegisteredAddress(site), _links.Reachable(site, DateTime.UtcNow), RemotingIdentities.Seen);
        if (reason is null)
        {
            if (named is not null) _heardFrom[site] = from;
            return false;
        }
        _refusals.Refuse(message, Sender, reason, _log);
        if (message is AssignWorkerSubnets refused) Sender.Tell(new WorkerRegistrationRefused(refused.Site, refused.Node, reason));
        return true;
    }

    /// <summary>
    /// The ActorSystem the site's orchestrator was heard from since this registry started. Not the persisted path:
    /// that may name an address the orchestrator no longer has (a new port), and it would lock the site out for the
    /// silence time after every root failover. The cost: right after a failover the first to speak for a site owns it.
    /// </summary>
    private Address? RegisteredAddress(string site) => _heardFrom.TryGetValue(site, out var a) ? a : null;

    private IActorRef? OrchestratorOf(string site)
    {
        if (_orchestrators.TryGetValue(site, out var r)) return r;
        if (!_state.Sites.TryGetValue(site, out var path))
        {
            _log.Warning("no orchestrator is registered for site {0}", site);
            return null;
        }
        // After a root restart, until the orchestrator registers again.
        r = ((ExtendedActorSystem)Context.System).Provider.ResolveActorRef(path);
        _orchestrators[site] = r;
        return r;
    }

    private void Change(ISiteRegistryEvent e, Action? after = null) =>
        Persist(e, persisted =>
        {
            _state = _state.Apply(persisted);
            if (LastSequenceNr % _refs.Settings.SnapshotEvery == 0) SaveSnapshot(_state);
            after?.Invoke();
        });

    private sealed class LinkTick
    {
        public static readonly LinkTick Instance = new();
    }
}
