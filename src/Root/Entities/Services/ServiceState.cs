using System.Collections.Immutable;
using Oakestra.Actors.Contracts.Messaging;
using Oakestra.Actors.Contracts.Serialization;
using Oakestra.Actors.Contracts.Routing;

namespace Oakestra.Actors.Root.Entities.Services;

/// <summary>
/// The state of one Service entity. <see cref="Version"/> grows by exactly one with every event that
/// changes the routes; <see cref="Changes"/> says which route changes an event makes, so the actor can
/// turn every persisted event into exactly one delta. Pure: no actor, no I/O.
/// </summary>
[PersistedAs("root.service.state")]
public sealed record ServiceState(
    string Id,
    bool Exists,
    long Version,
    ServiceDescriptor? Descriptor,
    ImmutableList<ServiceAddress> Addresses,
    ImmutableList<InstanceRoute> Instances,
    ImmutableDictionary<string, InstanceDetail> Details,
    int NextNumber,
    ImmutableDictionary<string, string> Subscribers) : IPersistedMessage
{
    /// <summary>The key of the request that created the service, if it had one.</summary>
    public string? CreatedBy { get; init; }

    /// <summary>Keyed instance requests, oldest first, at most <see cref="KeptRequests"/>.</summary>
    public ImmutableList<KeyedInstanceRequest> InstanceRequests { get; init; } = [];

    public const int KeptRequests = 64;

    private static ImmutableList<KeyedInstanceRequest> Kept(ImmutableList<KeyedInstanceRequest> requests) =>
        requests.Count > KeptRequests ? requests.RemoveRange(0, requests.Count - KeptRequests) : requests;

    public static ServiceState Empty(string id) => new(
        id, false, 0, null, [], [], ImmutableDictionary<string, InstanceDetail>.Empty, 0,
        ImmutableDictionary<string, string>.Empty);

    [System.Text.Json.Serialization.JsonIgnore]
    public ServiceRoutes Routes => new(Id, Version, Addresses, Instances, Deleted: !Exists);

    public InstanceDetail DetailOf(string instanceId) =>
        Details.TryGetValue(instanceId, out var d) ? d : new InstanceDetail(0, null);

    public ServiceState Apply(IServiceEvent e) => e switch
    {
        ServiceCreated c => this with
        {
            Exists = true,
            Version = Version + 1,
            Descriptor = c.Descriptor,
            CreatedBy = c.RequestKey,
            InstanceRequests = [],
            Addresses = c.Addresses.ToImmutableList(),
            Instances = [],
            Details = ImmutableDictionary<string, InstanceDetail>.Empty,
        },
        InstancesAdded a => this with
        {
            Version = Version + 1,
            Instances = Instances.AddRange(a.Instances).Sort((x, y) => x.Number.CompareTo(y.Number)),
            Details = Details.SetItems(a.Instances.Select(i => KeyValuePair.Create(i.InstanceId, new InstanceDetail(0, null)))),
            NextNumber = Math.Max(NextNumber, a.Instances.Count == 0 ? 0 : a.Instances.Max(i => i.Number) + 1),
            InstanceRequests = a.RequestKey is null ? InstanceRequests : Kept(InstanceRequests.Add(new KeyedInstanceRequest(a.RequestKey, [.. a.Instances.Select(i => i.InstanceId)]))),
        },
        InstanceRouteUpdated u when Instances.Find(i => i.InstanceId == u.Route.InstanceId) is { } old => this with
        {
            Version = old == u.Route ? Version : Version + 1,
            Instances = Instances.Replace(old, u.Route),
            Details = Details.SetItem(u.Route.InstanceId, u.Detail),
        },
        InstanceRouteUpdated => this,
        InstancesRemoved r => this with
        {
            Version = Version + 1,
            Instances = Instances.RemoveAll(i => r.InstanceIds.Contains(i.InstanceId)),
            Details = Details.RemoveRange(r.InstanceIds),
        },
        ServiceRemoved => this with
        {
            Exists = false,
            Version = Version + 1,
            Addresses = [],
            Instances = [],
            Details = ImmutableDictionary<string, InstanceDetail>.Empty,
        },
        SubscriberAdded s => this with { Subscribers = Subscribers.SetItem(s.Subscriber, s.Path) },
        SubscriberRemoved s => this with { Subscribers = Subscribers.Remove(s.Subscriber) },
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name),
    };

    /// <summary>The route changes <paramref name="e"/> makes to this (pre-event) state; empty when the routes stay.</summary>
    public IReadOnlyList<RouteChange> Changes(IServiceEvent e) => e switch
    {
        ServiceCreated c => [new AddressesChanged(c.Addresses)],
        InstancesAdded a => a.Instances.Select(i => (RouteChange)new InstanceUpserted(i)).ToArray(),
        InstanceRouteUpdated u when Instances.Find(i => i.InstanceId == u.Route.InstanceId) is { } old && old != u.Route =>
            [new InstanceUpserted(u.Route)],
        InstancesRemoved r => r.InstanceIds.Select(id => (RouteChange)new InstanceRemoved(id)).ToArray(),
        ServiceRemoved => [new ServiceDeleted()],
        _ => [],
    };

    /// <summary>Whether <paramref name="e"/> is worth persisting at all (a no-op report is not).</summary>
    public bool Changes(InstanceRouteUpdated u) =>
        Instances.Find(i => i.InstanceId == u.Route.InstanceId) is { } old && (old != u.Route || DetailOf(old.InstanceId) != u.Detail);
}
