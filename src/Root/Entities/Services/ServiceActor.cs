using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Root.Entities.Directory;
using Oakestra.Actors.Root.Entities.Instances;
using Oakestra.Actors.Root.Pools;

namespace Oakestra.Actors.Root.Entities.Services;

/// <summary>
/// One service: its Service IPs, its instances' routes and the version every subscriber follows. Each
/// persisted event that changes the routes becomes exactly one <see cref="ServiceDelta"/> (version + 1),
/// pushed to every subscribed orchestrator after it is in the journal.
/// </summary>
public sealed class ServiceActor : ReceivePersistentActor, IWithUnboundedStash
{
    private readonly RootRefs _refs;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, IActorRef> _subscriberRefs = new();
    private ServiceState _state;

    private sealed record InstanceAddresses(
        AddInstances Command, IActorRef ReplyTo, IReadOnlyList<InstanceRoute> Routes, PoolError? Error);

    public ServiceActor(string serviceId, RootRefs refs)
    {
        _refs = refs;
        _state = ServiceState.Empty(serviceId);
        PersistenceId = $"service-{serviceId}";

        Recover<IServiceEvent>(e => _state = _state.Apply(e));
        Recover<SnapshotOffer>(o => { if (o.Snapshot is ServiceState s) _state = s; });
        Recover<RecoveryCompleted>(_ =>
        {
            // Self-healing: the directory may have missed the listing before a crash.
            if (_state.Exists) _refs.Directory.Tell(new ListService(_state.Id));
            // And an instance persisted here may never have reached its entity (a crash right after InstancesAdded), or
            // may wait for a placement whose timer died with the root.
            EnsureInstances();
            _refs.Directory.Tell(new ServiceVersionChanged(_state.Id, _state.Version));
        });
        Ready();
    }

    public override string PersistenceId { get; }

    private void Ready()
    {
        Command<ReserveServiceId>(OnReserve);
        Command<ReleaseServiceId>(r => { if (_reservation?.Claimant == r.Claimant) _reservation = null; });
        Command<CreateService>(OnCreate);
        Command<GetService>(_ => Sender.Tell(_state.Exists ? new ServiceInfo(_state) : new ServiceNotFound(_state.Id)));
        Command<EnsureServiceInstances>(_ =>
        {
            EnsureInstances();
            Sender.Tell(new ServiceInfo(_state)); // also when it does not exist: the audit reads Exists and NextNumber
        });
        Command<AddInstances>(OnAddInstances);
        Command<ScaleDown>(OnScaleDown);
        Command<DeleteService>(OnDelete);
        Command<ReportInstanceRoute>(OnInstanceRoute);
        Command<ReportInstanceGone>(OnInstanceGone);
        Command<ResolveForSite>(OnResolve);
        Command<SyncSite>(OnSyncSite);
        Command<ServiceEnvelope>(e => OnContract(e.Message));
        Command<SubscribeService>(OnContract);
        Command<UnsubscribeService>(OnContract);
        Command<RequestServiceSnapshot>(OnContract);
        // Replies of the entities this one tells; nothing to do with them.
        Command<InstanceInfo>(_ => { });
        Command<InstanceNotFound>(_ => { });
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(f => _log.Warning(f.Cause, "snapshot of {0} failed", _state.Id));
    }

    private (string Claimant, long ExpiresAtMs)? _reservation;

    private bool ReservedByAnother(string? claimant) =>
        _reservation is { } r && r.Claimant != claimant && Environment.TickCount64 < r.ExpiresAtMs;

    private bool ReservedBy(string? claimant) =>
        _reservation is { } r && r.Claimant == claimant && Environment.TickCount64 < r.ExpiresAtMs;

    private void OnReserve(ReserveServiceId r)
    {
        if (_state.Exists && _state.CreatedBy is { } key && RequestKeys.Claimant(key) == r.Claimant)
        {
            Sender.Tell(new ServiceInfo(_state)); // the same keyed request again: it created this service already
            return;
        }
        if (_state.Exists || ReservedByAnother(r.Claimant))
        {
            Sender.Tell(new ServiceAlreadyExists(_state.Id));
            return;
        }
        _reservation = (r.Claimant, Environment.TickCount64 + (long)_refs.Settings.ServiceReservation.TotalMilliseconds);
        Sender.Tell(new ServiceIdReserved(_state.Id, r.Claimant));
    }

    private void OnCreate(CreateService c)
    {
        if (_state.Exists || ReservedByAnother(c.Claimant))
        {
            Sender.Tell(new ServiceAlreadyExists(_state.Id));
            return;
        }
        if (!ReservedBy(c.Claimant))
        {
            // The reservation ran out: the address audit may already count this request's addresses as never
            // confirmed (its grace is longer than a reservation), so creating with them now could give them two owners.
            Sender.Tell(new ServiceReservationLost(_state.Id));
            return;
        }
        _reservation = null;
        var replyTo = Sender;
        PersistChange(new ServiceCreated(c.Descriptor, c.Addresses, RequestKeys.KeyOf(c.Claimant)), s =>
        {
            _refs.Directory.Tell(new ListService(s.Id));
            replyTo.Tell(new ServiceInfo(s));
        });
    }

    private void OnAddInstances(AddInstances a)
    {
        if (!_state.Exists)
        {
            Sender.Tell(new ServiceNotFound(_state.Id));
            return;
        }
        if (a.RequestKey is { } key && _state.InstanceRequests.Find(r => r.Key == key) is { } earlier)
        {
            // The same keyed request again: what it added (those still there), nothing new.
            Sender.Tell(new InstancesCreated(_state, [.. _state.Instances.Where(i => earlier.InstanceIds.Contains(i.InstanceId))]));
            return;
        }
        // Instance ids are only final once persisted, so nothing else may run while their IPs are allocated.
        var replyTo = Sender;
        var first = _state.NextNumber;
        var ids = Enumerable.Range(first, a.Count).Select(n => (Number: n, Id: $"{_state.Id}.{n}")).ToArray();
        AllocateInstanceAddresses(ids, _refs.Pools)
            .PipeTo(Self, success: r => new InstanceAddresses(a, replyTo, r.Routes, r.Error),
                // Never stay stashing: an unexpected failure is answered like an unavailable pool.
                failure: ex => new InstanceAddresses(a, replyTo, [], new PoolError(PoolErrorKind.Unavailable, PoolNames.ServiceV4, ex.Message)));
        BecomeStacked(() =>
        {
            Command<InstanceAddresses>(OnInstanceAddresses);
            CommandAny(_ => Stash.Stash());
        });
    }

    private static async Task<(IReadOnlyList<InstanceRoute> Routes, PoolError? Error)> AllocateInstanceAddresses(
        IReadOnlyList<(int Number, string Id)> ids, AddressPools pools)
    {
        var routes = new List<InstanceRoute>();
        foreach (var (number, id) in ids)
        {
            // reuseIfHeld: a retry after a crash gets the same addresses back instead of leaking them.
            var owner = PoolOwners.Instance(id);
            var v4 = await pools.AllocateV4Async(owner, reuseIfHeld: true);
            var v6 = v4.Ok ? await pools.AllocateV6Async(PoolNames.InstanceV6, owner, reuseIfHeld: true) : default;
            if (!v4.Ok || !v6.Ok)
            {
                // Never announced to anyone: straight back to the pool, no quarantine.
                foreach (var (_, rollback) in ids)
                    await pools.ReleaseOwnerEverywhereAsync(PoolOwners.Instance(rollback), quarantine: false);
                return ([], v4.Error ?? v6.Error);
            }
            routes.Add(new InstanceRoute(id, number, v4.Value, v6.Value, InstanceStatus.Pending, null));
        }
        return (routes, null);
    }

    private void OnInstanceAddresses(InstanceAddresses r)
    {
        UnbecomeStacked();
        Stash.UnstashAll();
        if (r.Error is not null)
        {
            r.ReplyTo.Tell(r.Error);
            return;
        }
        var d = _state.Descriptor!;
        PersistChange(new InstancesAdded(r.Routes, r.Command.RequestKey), s =>
        {
            foreach (var i in r.Routes) _refs.Instances.Tell(CreateInstanceOf(s.Id, d, i, r.Command.Node));
            r.ReplyTo.Tell(new InstancesCreated(s, r.Routes));
        });
    }

    // A node named at deploy wins over the SLA's direct constraint (one node, or a list to choose from).
    private static CreateInstance CreateInstanceOf(string serviceId, ServiceDescriptor d, InstanceRoute i, string? node) =>
        new(i.InstanceId, serviceId, i.Number, i.InstanceV4, i.InstanceV6,
            d.Code, d.Port, node ?? d.ConstraintNode, d.ConstraintCluster, d.Virtualization, d.Command, d.Environment)
        {
            Nodes = node is null ? d.ConstraintNodes : null,
            OneShot = d.OneShot,
            Limits = d.Limits,
        };

    /// <summary>
    /// Tells every instance not running here to exist: an entity that does answers and nothing changes; one whose
    /// CreateInstance was lost (a crash right after InstancesAdded, a root process lost with the message) is created
    /// now, and an existing one that was never placed wakes up and places itself. The node a deploy named is not in
    /// the journal, so a late creation follows the SLA's constraint only.
    /// </summary>
    private void EnsureInstances()
    {
        if (!_state.Exists || _state.Descriptor is not { } d) return;
        // Running and Migrating ones are woken by their site's digest; these are the ones nobody else would wake.
        foreach (var i in _state.Instances.Where(i => i.Status is InstanceStatus.Pending or InstanceStatus.Starting or InstanceStatus.Failed))
            _refs.Instances.Tell(CreateInstanceOf(_state.Id, d, i, node: null));
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
        PersistChange(new InstancesRemoved(victims), s =>
        {
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
            // The Instance entities release their own Instance IPs.
            foreach (var i in before.Instances) _refs.Instances.Tell(new UndeployInstance(i.InstanceId, FromService: true));
            foreach (var a in before.Addresses) ReleaseServiceAddress(before.Id, a);
            _refs.Directory.Tell(new UnlistService(before.Id));
            var final = before with
            {
                Instances = System.Collections.Immutable.ImmutableList.CreateRange(
                    before.Instances.Select(i => i with { Status = InstanceStatus.Stopped, Owner = null })),
            };
            replyTo.Tell(new ServiceInfo(final));
        });
    }

    private void ReleaseServiceAddress(string serviceId, ServiceAddress a)
    {
        var owner = PoolOwners.Service(serviceId, a.Policy);
        var log = _log;
        _refs.Pools.ReleaseOwnerAsync(PoolNames.ServiceV4, owner).ContinueWith(t => LogFailure(log, t, owner));
        _refs.Pools.ReleaseOwnerAsync(PoolNames.PolicyV6(a.Policy), owner).ContinueWith(t => LogFailure(log, t, owner));
    }

    internal static void LogFailure<T>(ILoggingAdapter log, Task<PoolResult<T>> t, string owner)
    {
        if (t.IsFaulted) log.Warning(t.Exception, "releasing the addresses of {0} failed", owner);
        else if (!t.Result.Ok) log.Warning("releasing the addresses of {0} failed: {1}", owner, t.Result.Error);
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
        PersistChange(new InstancesRemoved([g.InstanceId]), s => replyTo.Tell(new InstanceRouteAck(g.InstanceId, s.Version)));
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

    private void OnSyncSite(SyncSite s)
    {
        if (_state.Exists) Subscribe(s.Site, s.Orchestrator);
        if (s.SiteVersion != _state.Version) s.Orchestrator.Tell(new ServiceRoutesSnapshot(_state.Routes));
        _refs.Directory.Tell(new ServiceVersionChanged(_state.Id, _state.Version));
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
        Persist(new SubscriberAdded(subscriber, path), e => _state = _state.Apply(e));
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
            {
                Push(new ServiceDelta(_state.Id, before.Version, _state.Version, changes));
                _refs.Directory.Tell(new ServiceVersionChanged(_state.Id, _state.Version));
            }
            if (LastSequenceNr % _refs.Settings.SnapshotEvery == 0) SaveSnapshot(_state);
            after(_state);
        });
    }

    private void Push(ServiceDelta delta)
    {
        foreach (var (subscriber, path) in _state.Subscribers)
            RefOf(subscriber, path).Tell(delta);
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
}
