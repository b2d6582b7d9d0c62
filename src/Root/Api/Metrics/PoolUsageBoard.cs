using System.Collections.Concurrent;
using Akka.Actor;
using Oakestra.Actors.Root.Pools;

namespace Oakestra.Actors.Root.Api.Metrics;

/// <summary>
/// The address pools this process hosts (each pool's actor lives on one root of the tier), for the pool gauges:
/// each actor registers how to read its held and quarantined counts while it runs. Read at scrape time; the counts
/// are plain int reads of the actor's state (a scrape may see a value one command old, never a torn one).
/// </summary>
public static class PoolUsageBoard
{
    private static readonly ConcurrentDictionary<object, (ActorSystem System, PoolDefinition Pool, Func<(int Held, int Quarantined)> Read)> Pools = new();

    public static void Track(object owner, ActorSystem system, PoolDefinition pool, Func<(int Held, int Quarantined)> read) => Pools[owner] = (system, pool, read);

    public static void Untrack(object owner) => Pools.TryRemove(owner, out _);

    /// <summary>The pools whose actors run in <paramref name="system"/> (a test process may run several roots).</summary>
    public static IReadOnlyList<(PoolDefinition Pool, int Held, int Quarantined)> Read(ActorSystem system) =>
        Pools.Values.Where(p => p.System == system).Select(p => { var (held, quarantined) = p.Read(); return (p.Pool, held, quarantined); }).ToArray();
}
