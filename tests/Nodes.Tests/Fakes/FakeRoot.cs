using Akka.Actor;
using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;

namespace Oakestra.Actors.Nodes.Tests.Fakes;

/// <summary>Test command: a service as it exists at the root (no delta, e.g. before anyone subscribed).</summary>
public sealed record DefineService(ServiceRoutes Routes);

public enum Delivery { Normal, Drop, Twice }

/// <summary>Test command: change a service (version + 1) and push the delta to the subscribed sites.</summary>
public sealed record ChangeService(string ServiceId, IReadOnlyList<RouteChange> Changes, Delivery Delivery = Delivery.Normal);

/// <summary>Test command: a new instance (Pending) is placed in the site, on the node when given.</summary>
public sealed record DeployInstance(InstanceLaunch Launch, string Site, string? Node);

/// <summary>
/// Plays the root's side of the protocol (what root-api's gateway and entities must answer), on top of a
/// <see cref="RootStore"/> that survives its restart. Answers for one service come from this one actor,
/// like the real Service entity, so snapshots and deltas of a service stay ordered.
/// </summary>
public sealed class FakeRoot : ReceiveActor
{
    private static readonly Ipv4Prefix WorkerV4 = Ipv4Prefix.Parse("10.18.0.0/16");
    private static readonly Ipv6Prefix WorkerV6 = Ipv6Prefix.Parse("fc00::/64");
    private readonly RootStore _s;

    public FakeRoot(RootStore store)
    {
        _s = store;
        ReceiveAny(m =>
        {
            _s.Received.Enqueue(m);
            lock (_s.Gate) Handle(m);
        });
    }

    public static Props Props(RootStore store) => Akka.Actor.Props.Create(() => new FakeRoot(store));

    private void Handle(object message)
    {
        switch (message)
        {
            case SiteHeartbeat m:
                // A restarted fake root is a new actor: its name stands for the root's incarnation.
                Sender.Tell(new SiteHeartbeatAck(m.Site, m.Sequence, Self.Path.Name));
                break;
            case RegisterSite m:
                _s.Sites[m.Site] = m.Orchestrator;
                Sender.Tell(new SiteRegistered(m.Site));
                break;
            case AssignWorkerSubnets m:
                if (!_s.Subnets.TryGetValue((m.Site, m.Node), out var subnets))
                    _s.Subnets[(m.Site, m.Node)] = subnets = (WorkerV4.Subnet(26, (ulong)_s.Subnets.Count), WorkerV6.Subnet(120, (UInt128)_s.Subnets.Count));
                _s.WorkerStates[(m.Site, m.Node)] = WorkerState.Up;
                Sender.Tell(new WorkerSubnetsAssigned(m.Site, m.Node, subnets.V4, subnets.V6));
                break;
            case WorkerStateChanged m:
                _s.WorkerStates[(m.Site, m.Node)] = m.State;
                break;
            case ResolveRoute m:
                var owner = _s.Services.Values.FirstOrDefault(r => !r.Deleted && RouteKeys.Of(r).Contains(m.Address));
                if (owner is null) { m.Orchestrator.Tell(new RouteNotFound(m.Address)); break; }
                Subscribe(owner.ServiceId, m.Site, m.Orchestrator);
                m.Orchestrator.Tell(new RouteFound(m.Address, owner));
                break;
            case SubscribeService m:
                Subscribe(m.ServiceId, m.Subscriber, m.SubscriberRef);
                if (_s.Services.TryGetValue(m.ServiceId, out var routes)) m.SubscriberRef.Tell(new ServiceRoutesSnapshot(routes));
                break;
            case UnsubscribeService m:
                if (_s.Subscribers.TryGetValue(m.ServiceId, out var sites)) sites.Remove(m.Subscriber);
                break;
            case RequestServiceSnapshot m:
                if (_s.Services.TryGetValue(m.ServiceId, out var snapshot)) m.SubscriberRef.Tell(new ServiceRoutesSnapshot(snapshot));
                break;
            case InstanceStatusReport m:
                OnReport(m);
                break;
            case DefineService m:
                _s.Services[m.Routes.ServiceId] = m.Routes;
                break;
            case ChangeService m:
                Sender.Tell(Change(m.ServiceId, m.Changes, m.Delivery));
                break;
            case DeployInstance m:
                _s.Instances[m.Launch.InstanceId] = new RootInstance(m.Launch, m.Site, m.Launch.Epoch);
                Change(m.Launch.ServiceId, [new InstanceUpserted(Route(m.Launch, InstanceStatus.Pending, null))]);
                _s.Sites[m.Site].Tell(new PlaceInstance(m.Launch, m.Node));
                break;
        }
    }

    private void Subscribe(string service, string site, IActorRef orchestrator)
    {
        if (!_s.Subscribers.TryGetValue(service, out var sites)) _s.Subscribers[service] = sites = new();
        sites[site] = orchestrator;
    }

    private void OnReport(InstanceStatusReport m)
    {
        if (!_s.Instances.TryGetValue(m.InstanceId, out var instance)) return;
        if (m.Epoch < instance.Epoch) { Sender.Tell(new StaleEpoch(m.InstanceId, m.Epoch, instance.Epoch)); return; }
        if (m.Epoch > instance.Epoch) return;
        var launch = instance.Launch with { Epoch = instance.Epoch };
        switch (m.Status)
        {
            case InstanceStatus.Running when m.Placement is not null:
                Change(launch.ServiceId, [new InstanceUpserted(Route(launch, InstanceStatus.Running, m.Placement))]);
                break;
            case InstanceStatus.Failed:
                Change(launch.ServiceId, [new InstanceUpserted(Route(launch, InstanceStatus.Failed, null))]);
                if (!_s.AutoReplace) break;
                // The root owns epochs: the next placement of the same instance (same Instance IPs) gets epoch + 1.
                var next = launch with { Epoch = instance.Epoch + 1 };
                _s.Instances[m.InstanceId] = instance with { Epoch = next.Epoch };
                _s.Sites[instance.Site].Tell(new PlaceInstance(next, null));
                break;
        }
    }

    private static InstanceRoute Route(InstanceLaunch launch, InstanceStatus status, Placement? owner) =>
        new(launch.InstanceId, launch.Number, launch.InstanceV4, launch.InstanceV6, status, owner);

    private ServiceRoutes Change(string serviceId, IReadOnlyList<RouteChange> changes, Delivery delivery = Delivery.Normal)
    {
        var current = _s.Services.TryGetValue(serviceId, out var r) ? r : new ServiceRoutes(serviceId, 0, [], []);
        var delta = new ServiceDelta(serviceId, current.Version, current.Version + 1, changes);
        var next = delta.ApplyTo(current);
        _s.Services[serviceId] = next;
        if (delivery != Delivery.Drop && _s.Subscribers.TryGetValue(serviceId, out var sites))
            foreach (var orchestrator in sites.Values)
            {
                orchestrator.Tell(delta);
                if (delivery == Delivery.Twice) orchestrator.Tell(delta);
            }
        return next;
    }
}
