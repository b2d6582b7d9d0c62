using Oakestra.Actors.Contracts.Messaging;
using Oakestra.Actors.Contracts.Routing;

namespace Oakestra.Actors.Contracts.Protocol;

// Additions of the node roles (orchestrator, worker) to the cross-role protocol.

/// <summary>
/// One worker of a site as its peers see it: where to send tunnel packets, where it stands (for Closest), and
/// its tunnel public key and the salt of its current start (base64; null from a worker that sent none), from
/// which every peer derives the pair's keys. A new salt (the worker restarted) means new keys.
/// </summary>
public sealed record SitePeer(string Site, string Node, string TunnelEndpoint, double Latitude, double Longitude,
    string? TunnelPublicKey = null, string? TunnelSalt = null);

// The site's peer set, versioned (the tunnel accepts packets only from known endpoints, and Closest needs the
// coordinates of the nodes instances run on). The orchestrator coalesces changes for a moment and sends every
// placeable worker either the delta from the version it holds or, when it holds another (new, restarted, a lost
// message), a snapshot. Versions of one orchestrator grow by one per delta and start at its start time in µs, so a
// restarted orchestrator's versions never equal what a worker holds from its predecessor. Akka keeps the order of
// one sender's messages to one receiver only, which is all this relies on: a worker applies a delta only on the
// version it names and asks for a snapshot otherwise.

/// <summary>
/// Orchestrator → worker: the whole peer set at <see cref="Version"/>, in <see cref="Chunks"/> parts (numbered from 0)
/// of a bounded size, far below the remoting frame; the worker takes it when it has every part of that version.
/// </summary>
public sealed record SitePeersSnapshot(string Site, long Version, int Chunk, int Chunks, IReadOnlyList<SitePeer> Peers) : IClusterMessage;

/// <summary>
/// Orchestrator → worker holding <see cref="FromVersion"/>: peers added or changed (a new salt after a restart, a move)
/// and nodes gone; the result is <see cref="ToVersion"/>. A large change goes as several consecutive deltas.
/// </summary>
public sealed record SitePeersChanged(string Site, long FromVersion, long ToVersion, IReadOnlyList<SitePeer> Upserted,
    IReadOnlyList<string> RemovedNodes) : IClusterMessage;

/// <summary>
/// Worker → its orchestrator: a delta did not follow the version it holds (<see cref="HeldVersion"/>, null: none):
/// send the snapshot. Also what a new worker could ask, though registration already gets it one.
/// </summary>
public sealed record RequestSitePeers(string Site, string Node, Akka.Actor.IActorRef Worker, long? HeldVersion) : IClusterMessage;

/// <summary>Every address a service answers to, as the keys of table queries.</summary>
public static class RouteKeys
{
    public static IEnumerable<RouteKey> Of(ServiceRoutes routes)
    {
        foreach (var a in routes.Addresses)
        {
            if (a.V4 is { } v4) yield return new RouteKey(v4, null);
            if (a.V6 is { } v6) yield return new RouteKey(null, v6);
        }
        foreach (var i in routes.Instances)
        {
            yield return new RouteKey(i.InstanceV4, null);
            yield return new RouteKey(null, i.InstanceV6);
        }
    }
}

/// <summary>
/// Versioned snapshots of services with an index from every Service/Instance IP to its service:
/// the cache an orchestrator and a worker both keep. Not thread-safe (one actor owns it).
/// </summary>
public sealed class ServiceRoutesCache
{
    private readonly Dictionary<string, ServiceRoutes> _services = new();
    private readonly Dictionary<RouteKey, string> _owners = new();

    public int Count => _services.Count;
    public IReadOnlyDictionary<string, ServiceRoutes> Services => _services;

    public bool TryGet(string serviceId, out ServiceRoutes routes) => _services.TryGetValue(serviceId, out routes!);

    public string? ServiceOf(RouteKey key) => _owners.GetValueOrDefault(key);

    public void Set(ServiceRoutes routes)
    {
        Remove(routes.ServiceId);
        _services[routes.ServiceId] = routes;
        foreach (var key in RouteKeys.Of(routes)) _owners[key] = routes.ServiceId;
    }

    public bool Remove(string serviceId)
    {
        if (!_services.Remove(serviceId, out var old)) return false;
        foreach (var key in RouteKeys.Of(old))
            if (_owners.TryGetValue(key, out var owner) && owner == serviceId) _owners.Remove(key);
        return true;
    }
}

/// <summary>What a receiver does with a delta, given the version it holds.</summary>
public enum DeltaOutcome { Applied, Duplicate, Gap, Unknown }

public static class DeltaRules
{
    /// <summary>Applies in version order only: equal → apply; at or past ToVersion → duplicate; else a gap.</summary>
    public static DeltaOutcome Apply(ServiceRoutesCache cache, ServiceDelta delta)
    {
        if (!cache.TryGet(delta.ServiceId, out var current)) return DeltaOutcome.Unknown;
        if (current.Version >= delta.ToVersion) return DeltaOutcome.Duplicate;
        if (current.Version != delta.FromVersion) return DeltaOutcome.Gap;
        cache.Set(delta.ApplyTo(current));
        return DeltaOutcome.Applied;
    }

    /// <summary>A snapshot replaces what is held only when it is newer (or nothing is held).</summary>
    public static bool Offer(ServiceRoutesCache cache, ServiceRoutes snapshot)
    {
        if (cache.TryGet(snapshot.ServiceId, out var current) && current.Version >= snapshot.Version) return false;
        cache.Set(snapshot);
        return true;
    }
}
