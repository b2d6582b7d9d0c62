using System.Collections.Concurrent;
using Oakestra.Actors.Root.Pools;

namespace Oakestra.Actors.Root.Api.Metrics;

/// <summary>
/// The address pools this process hosts (each pool's actor lives on one root of the tier), for the pool gauges:
/// each actor registers how to read its held and quarantined counts while it runs. Read at scrape time; the counts
/// are plain int reads of the actor's state (a scrape may see a value one command old, never a torn one).
/// </summary>
public static class PoolUsageBoard
{
    private static readonly ConcurrentDictionary<object, (PoolDefinition Pool, Func<(int Held, int Quarantined)> Read)> Pools = new();

    public static void Track(object owner, PoolDefinition pool, Func<(int Held, int Quarantined)> read) => Pools[owner] = (pool, read);

    public static void Untrack(object owner) => Pools.TryRemove(owner, out _);

    public static IReadOnlyList<(PoolDefinition Pool, int Held, int Quarantined)> Read() =>
        Pools.Values.Select(p => { var (held, quarantined) = p.Read(); return (p.Pool, held, quarantined); }).ToArray();
}
