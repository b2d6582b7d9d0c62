using System.Collections.Concurrent;
using Akka.Actor;
using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;

namespace Oakestra.Actors.Nodes.Tests.Fakes;

/// <summary>
/// What the real root keeps in its journal, so a restarted <see cref="FakeRoot"/> recovers it. Every
/// access holds <see cref="Gate"/> (the actor and the test thread both read it).
/// </summary>
public sealed class RootStore
{
    public readonly object Gate = new();
    public readonly Dictionary<(string Site, string Node), (Ipv4Prefix V4, Ipv6Prefix V6)> Subnets = new();
    public readonly Dictionary<string, ServiceRoutes> Services = new();
    public readonly Dictionary<string, Dictionary<string, IActorRef>> Subscribers = new();
    public readonly Dictionary<string, IActorRef> Sites = new();
    public readonly Dictionary<string, RootInstance> Instances = new();
    public readonly Dictionary<(string Site, string Node), WorkerState> WorkerStates = new();

    /// <summary>Every message the root received, in order (not journaled in reality; for assertions).</summary>
    public readonly ConcurrentQueue<object> Received = new();

    public bool AutoReplace { get; set; } = true;

    public T Read<T>(Func<RootStore, T> read) { lock (Gate) return read(this); }

    public ServiceRoutes Service(string id) => Read(s => s.Services[id]);

    public bool IsSubscribed(string service, string site) =>
        Read(s => s.Subscribers.TryGetValue(service, out var sites) && sites.ContainsKey(site));

    public IReadOnlyList<T> ReceivedOf<T>() => Received.OfType<T>().ToArray();
}

public sealed record RootInstance(InstanceLaunch Launch, string Site, long Epoch);
