using Oakestra.Actors.DataPlane.Routing;

namespace Oakestra.Actors.DataPlane.Translation;

/// <summary>
/// Owner side (packet-path actor): turns the per-snapshot usage counters into "packets per service since
/// the last read", across snapshot swaps (the old snapshot's last packets are counted too). Not thread-safe;
/// allocates — never on the packet path.
/// </summary>
public sealed class ServiceUsageTracker
{
    private RouteSnapshot? _snapshot;
    private long[] _seen = [];

    public IReadOnlyDictionary<string, long> TakeDelta(RouteSnapshot current)
    {
        var delta = new Dictionary<string, long>(StringComparer.Ordinal);
        if (_snapshot is not null && !ReferenceEquals(_snapshot, current)) Collect(_snapshot, _seen, delta);
        if (!ReferenceEquals(_snapshot, current))
        {
            _snapshot = current;
            _seen = new long[current.ServiceIds.Count];
        }
        Collect(current, _seen, delta);
        return delta;
    }

    private static void Collect(RouteSnapshot snapshot, long[] seen, Dictionary<string, long> into)
    {
        for (int i = 0; i < snapshot.ServiceIds.Count; i++)
        {
            long now = snapshot.ReadUsage(i);
            long d = now - seen[i];
            seen[i] = now;
            if (d > 0) into[snapshot.ServiceIds[i]] = into.GetValueOrDefault(snapshot.ServiceIds[i]) + d;
        }
    }
}
