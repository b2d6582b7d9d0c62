using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Root.Entities.Directory;
using Oakestra.Actors.Root.Entities.Instances;

namespace Oakestra.Actors.Root.Entities.Services;

/// <summary>
/// One service: its Service IPs, its instances' routes and the version every subscriber follows. Each
/// persisted event that changes the routes becomes exactly one <see cref="ServiceDelta"/> (version + 1),
/// pushed to every subscribed orchestrator after it is in the journal.
/// </summary>
public sealed class ServiceActor : ReceivePersistentActor
{
    private readonly RootRefs _refs;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, IActorRef> _subscriberRefs = new();
    private ServiceState _state;

    public ServiceActor(string serviceId, RootRefs refs)
    {
        _refs = refs;
        _state = ServiceState.Empty(serviceId);
        PersistenceId = $"service-{serviceId}";

        Recover<IServiceEvent>(e => _state = _state.Apply(e));
        Recover<SnapshotOffer>(o => { if (o.Snapshot is ServiceState s) _state = s; });
        Recover<RecoveryCompleted>(_ =>
        {
            // Self-healing: the directory may have missed the last bind before a crash.
            if (_state.Exists) _refs.Directory.Tell(new BindAddresses(_state.Id, AllAddresses(_state), Listed: true));
        });

        Command<CreateService>(OnCreate);
        Command<GetService>(_ => Sender.Tell(_state.Exists ? new ServiceInfo(_state) : new ServiceNotFound(_state.Id)));
        Command<AddInstances>(OnAddInstances);
        Command<ScaleDown>(OnScaleDown);
        Command<DeleteService>(OnDelete);
        Command<ReportInstanceRoute>(OnInstanceRoute);
        Command<ReportInstanceGone>(OnInstanceGone);
        Command<ResolveForSite>(OnResolve);
        Command<ServiceEnvelope>(e => OnContract(e.Message));
        Command<SubscribeService>(OnContract);
        Command<UnsubscribeService>(OnContract);
        Command<RequestServiceSnapshot>(OnContract);
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(f => _log.Warning(f.Cause, "snapshot of {0} failed", _state.Id));
    }

    public override string PersistenceId { get; }

    private void OnCreate(CreateService c)
    {
        if (_state.Exists)
        {
            Sender.Tell(new ServiceAlreadyExists(_state.Id));
            return;
        }
        var replyTo = Sender;
        PersistChange(new ServiceCreated(c.Descriptor, c.Addresses), s =>
        {
            _refs.Directory.Tell(new BindAddresses(s.Id, AllAddresses(s), Listed: true));
            replyTo.Tell(new ServiceInfo(s));
        });
    }

    private void OnAddInstances(AddInstances a)
    {
        if (!_state.Exists || _state.Descriptor is not { } d)
        {
            Sender.Tell(new ServiceNotFound(_state.Id));
            return;
        }
        var routes = a.Addresses.Select((addr, i) => new InstanceRoute(
            $"{_state.Id}.{_state.NextNumber + i}", _state.NextNumber + i, addr.V4, addr.V6, InstanceStatus.Pending, null)).ToArray();
        var replyTo = Sender;
        PersistChange(new InstancesAdded(routes), s =>
        {
            _refs.Directory.Tell(new BindAddresses(s.Id, routes.SelectMany(r => new[] { r.InstanceV4.ToString(), r.InstanceV6.ToString() }).ToArray(), Listed: true));
            foreach (var r in routes)
            {
                _refs.Instances.Tell(new CreateInstance(r.InstanceId, s.Id, r.Number, r.InstanceV4, r.InstanceV6,
                    d.Code, d.Port, a.Node ?? d.ConstraintNode, d.ConstraintCluster));
            }
            replyTo.Tell(new InstancesCreated(s, routes));
        });
    }

    private void OnScaleDown(ScaleDown c)
    {
        if (!_state.Exists)
        {
            Sender.Tell(new ServiceNotFound(_state.Id));
            return;
        }
        var victims = _state.Instances.OrderByDescending(i => i.Number).Take(Math.Max(0, _state.Instances.Count - c.Replicas))
            .Select(i => i.InstanceId).ToArray();
        if (victims.Length == 0)
        {
            Sender.Tell(new ServiceInfo(_state));
            return;
        }
        var replyTo = Sender;
        var before = _state;
        PersistChange(new InstancesRemoved(victims), s =>
        {
            UnbindInstances(before, victims);
            foreach (var id in victims) _refs.Instances.Tell(new UndeployInstance(id, FromService: true));
            replyTo.Tell(new ServiceInfo(s));
        });
    }

    private void OnDelete(DeleteService _)
    {
        if (!_state.Exists)
        {
            Sender.Tell(new ServiceNotFound(_state.Id));
            return;
        }
        var before = _state;
        var replyTo = Sender;
        PersistChange(new ServiceRemoved(), _ =>
        {
            // Unlike the reference (which refuses and leaks), a delete stops every instance and sends every
            // address to quarantine, so no stale route can reach a later owner of a recycled address.
            foreach (var i in before.Instances) _refs.Instances.Tell(new UndeployInstance(i.InstanceId, FromService: true));
            foreach (var a in before.Addresses)
            {
                if (a.V4 is { } v4) _refs.Pools.ReleaseV4(PoolNames.ServiceV4, v4, quarantine: true);
                if (a.V6 is { } v6) _refs.Pools.ReleaseV6(PoolNames.PolicyV6(a.Policy), v6, quarantine: true);
            }
            _refs.Directory.Tell(new UnbindAddresses(before.Id, AllAddresses(before), Unlist: true));
            var final = before with
            {
                Instances = before.Instances.Select(i => i with { Status = InstanceStatus.Stopped, Owner = null }).ToImmutableListOf(),
            };
            replyTo.Tell(new ServiceInfo(final));
        });
    }

    private void OnInstanceRoute(ReportInstanceRoute r)
    {
        var e = new InstanceRouteUpdated(r.Route, r.Detail);
        if (!_state.Changes(e))
        {
            Sender.Tell(new InstanceRouteAck(r.Route.InstanceId, _state.Version, r.Token));
            return;
        }
        var replyTo = Sender;
        PersistChange(e, s => replyTo.Tell(new InstanceRouteAck(r.Route.InstanceId, s.Version, r.Token)));
    }

    private void OnInstanceGone(ReportInstanceGone g)
    {
        if (_state.Instances.All(i => i.InstanceId != g.InstanceId))
        {
            Sender.Tell(new InstanceRouteAck(g.InstanceId, _state.Version));
            return;
        }
        var replyTo = Sender;
        var before = _state;
        PersistChange(new InstancesRemoved([g.InstanceId]), s =>
        {
            UnbindInstances(before, [g.InstanceId]);
            replyTo.Tell(new InstanceRouteAck(g.InstanceId, s.Version));
        });
    }

    private void OnResolve(ResolveForSite r)
    {
        if (!_state.Exists)
        {
            Sender.Tell(new RouteNotFound(r.Query.Address));
            return;
        }
        Subscribe(r.Query.Site, r.Query.Orchestrator);
        Sender.Tell(new RouteFound(r.Query.Address, _state.Routes));
    }

    private void OnContract(object message)
    {
        switch (message)
        {
            case SubscribeService s:
                Subscribe(s.Subscriber, s.SubscriberRef);
                s.SubscriberRef.Tell(new ServiceRoutesSnapshot(_state.Routes));
                break;
            case UnsubscribeService u:
                _subscriberRefs.Remove(u.Subscriber);
                if (_state.Subscribers.ContainsKey(u.Subscriber)) Persist(new SubscriberRemoved(u.Subscriber), e => _state = _state.Apply(e));
                break;
            case RequestServiceSnapshot r:
                r.SubscriberRef.Tell(new ServiceRoutesSnapshot(_state.Routes));
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Subscribe(string subscriber, IActorRef subscriberRef)
    {
        _subscriberRefs[subscriber] = subscriberRef;
        var path = Akka.Serialization.Serialization.SerializedActorPath(subscriberRef);
        if (_state.Subscribers.TryGetValue(subscriber, out var known) && known == path) return;
        // Persisted asynchronously on purpose: the in-memory ref already receives deltas meanwhile.
        PersistAsync(new SubscriberAdded(subscriber, path), e => _state = _state.Apply(e));
    }

    /// <summary>Persists one event, then pushes its delta (if it changed the routes) and runs <paramref name="after"/>.</summary>
    private void PersistChange(IServiceEvent e, Action<ServiceState> after)
    {
        Persist(e, persisted =>
        {
            var before = _state;
            var changes = before.Changes(persisted);
            _state = before.Apply(persisted);
            if (_state.Version != before.Version)
                Push(new ServiceDelta(_state.Id, before.Version, _state.Version, changes));
            if (LastSequenceNr % _refs.Settings.SnapshotEvery == 0) SaveSnapshot(_state);
            after(_state);
        });
    }

    private void Push(ServiceDelta delta)
    {
        foreach (var (subscriber, path) in _state.Subscribers)
            RefOf(subscriber, path).Tell(delta);
        foreach (var (subscriber, r) in _subscriberRefs)
            if (!_state.Subscribers.ContainsKey(subscriber)) r.Tell(delta);
    }

    private IActorRef RefOf(string subscriber, string path)
    {
        if (_subscriberRefs.TryGetValue(subscriber, out var r)) return r;
        // After a restart only the path is known; a resolved ref to a gone actor just drops the delta,
        // and the orchestrator resubscribes (with a snapshot) when it re-registers.
        r = ((ExtendedActorSystem)Context.System).Provider.ResolveActorRef(path);
        _subscriberRefs[subscriber] = r;
        return r;
    }

    private void UnbindInstances(ServiceState before, IReadOnlyCollection<string> ids) =>
        _refs.Directory.Tell(new UnbindAddresses(before.Id, before.Instances.Where(i => ids.Contains(i.InstanceId))
            .SelectMany(i => new[] { i.InstanceV4.ToString(), i.InstanceV6.ToString() }).ToArray(), Unlist: false));

    private static IReadOnlyList<string> AllAddresses(ServiceState s) =>
        s.Addresses.SelectMany(a => new[] { a.V4?.ToString(), a.V6?.ToString() })
            .Concat(s.Instances.SelectMany(i => new[] { i.InstanceV4.ToString(), i.InstanceV6.ToString() }))
            .OfType<string>().ToArray();
}

internal static class ImmutableListExtensions
{
    public static System.Collections.Immutable.ImmutableList<T> ToImmutableListOf<T>(this IEnumerable<T> items) =>
        System.Collections.Immutable.ImmutableList.CreateRange(items);
}
