using System.Diagnostics.CodeAnalysis;
using Akka.Event;
using Akka.Actor;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;

namespace Oakestra.Actors.ClusterOrchestrator.Actors;

// Table queries, interests and delta fan-out: the workers' interests aggregated into one interest of the
// site at the root, deltas applied in version order and passed to exactly the interested workers.
public sealed partial class OrchestratorActor
{
    private readonly ServiceRoutesCache _cache = new();
    // service → node → the worker's route table actor
    private readonly Dictionary<string, Dictionary<string, IActorRef>> _interest = new();
    // when each (service, node) interest was last stated (a subscription, a query, a digest)
    private readonly Dictionary<(string Service, string Node), DateTime> _interestStated = new();
    private readonly HashSet<string> _subscribedAtRoot = new();
    private readonly Dictionary<RouteKey, List<(string Node, IActorRef ReplyTo)>> _resolving = new();
    // newest version announced by a delta that arrived before the service's first snapshot
    private readonly Dictionary<string, long> _earlyDeltas = new();
    // Unsubscribed at the root while a resolve was in flight: that resolve subscribed the site before the
    // unsubscribe arrived, so its answer must subscribe again or the site holds routes the root no longer pushes.
    private readonly HashSet<string> _unsubscribedWhileResolving = new();

    private void RouteHandlers()
    {
        Receive<QueryRoute>(OnQuery);
        Receive<RouteFound>(OnRouteFound);
        Receive<RouteNotFound>(OnRouteNotFound);
        Receive<SubscribeService>(OnSubscribe);
        Receive<UnsubscribeService>(OnUnsubscribe);
        Receive<ServiceDelta>(OnDelta);
        Receive<ServiceRoutesSnapshot>(OnSnapshot);
        Receive<RequestServiceSnapshot>(OnSnapshotRequest);
    }

    private void OnQuery(QueryRoute msg)
    {
        // From the cache whenever the site follows the service, also while the root tier is out of reach.
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
        if (_unsubscribedWhileResolving.Remove(service)) _root.Tell(new SubscribeService(service, Site, Self));
        _subscribedAtRoot.Add(service);
        Offer(msg.Routes);
        if (!EndResolve(msg.Address, out var waiting) || !_cache.TryGet(service, out var current)) return;
        foreach (var (node, replyTo) in waiting)
        {
            AddInterest(service, node, replyTo);
            replyTo.Tell(new RouteFound(msg.Address, current));
        }
    }

    private void OnRouteNotFound(RouteNotFound msg)
    {
        if (!EndResolve(msg.Address, out var waiting)) return;
        foreach (var (_, replyTo) in waiting) replyTo.Tell(msg);
    }

    private bool EndResolve(RouteKey address, [NotNullWhen(true)] out List<(string Node, IActorRef ReplyTo)>? waiting)
    {
        var answered = _resolving.Remove(address, out waiting);
        if (_resolving.Count == 0) _unsubscribedWhileResolving.Clear();
        return answered;
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

    /// <summary>
    /// A worker's digest against the site's view of its interests: a version behind ours gets our snapshot (a lost
    /// delta); a service it holds that we do not count it for is counted again (a restarted orchestrator); one we
    /// count it for that it no longer holds is dropped (a lost unsubscribe).
    /// </summary>
    private void ReconcileInterests(WorkerDigest digest)
    {
        var held = digest.Services.ToDictionary(s => s.ServiceId, s => s.Version);
        foreach (var (service, version) in held)
        {
            if (_interest.TryGetValue(service, out var nodes) && nodes.ContainsKey(digest.Node))
            {
                if (_cache.TryGet(service, out var routes) && routes.Version > version) digest.Worker.Tell(new ServiceRoutesSnapshot(routes));
                continue;
            }
            OnSubscribe(new SubscribeService(service, digest.Node, digest.Worker));
        }
        // Not an interest stated within the last digest interval: the worker composes its digest from the routes it
        // holds, so one that subscribed (its new local instance) or queried just before may still wait for them. Dropping
        // it there left the worker without the deltas that followed until its next digest: at 1,000 workers per site and
        // 10 changes/s, 1 in 50 changes reached its new instance's node ~5 s late (the digest interval).
        var now = DateTime.UtcNow;
        foreach (var (service, nodes) in _interest.ToArray())
            if (nodes.ContainsKey(digest.Node) && !held.ContainsKey(service)
                && !(_interestStated.TryGetValue((service, digest.Node), out var stated) && now - stated < _settings.DigestInterval))
                RemoveInterest(service, digest.Node);
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
        _interestStated[(service, node)] = DateTime.UtcNow;
    }

    private void RemoveInterest(string service, string node)
    {
        if (!_interest.TryGetValue(service, out var workers) || !workers.Remove(node)) return;
        _interestStated.Remove((service, node));
        if (workers.Count > 0) return;
        Forget(service);
        _root.Tell(new UnsubscribeService(service, Site));
        if (_resolving.Count > 0) _unsubscribedWhileResolving.Add(service);
    }

    private void Forget(string service)
    {
        if (_interest.Remove(service, out var nodes))
            foreach (var node in nodes.Keys) _interestStated.Remove((service, node));
        _subscribedAtRoot.Remove(service);
        _earlyDeltas.Remove(service);
        _cache.Remove(service);
    }
}
