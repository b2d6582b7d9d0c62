using Oakestra.Actors.Contracts.Protocol;

namespace Oakestra.Actors.ClusterOrchestrator.Link;

/// <summary>
/// What a site must still tell the root tier after a time out of reach: the newest report per placement and the
/// newest state per worker, in the order they first happened. Bounded: past <see cref="Capacity"/> the oldest
/// go (anti-entropy repairs them from the next digest) and are counted. Pure, no actor.
/// </summary>
public sealed class ReportQueue(int capacity)
{
    private readonly LinkedList<(string Key, object Message)> _order = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, object Message)>> _byKey = new(StringComparer.Ordinal);

    public int Capacity { get; } = capacity;
    public int Count => _order.Count;
    public long Dropped { get; private set; }

    /// <summary>Whether <paramref name="message"/> is something to queue while the root tier is away.</summary>
    public static string? KeyOf(object message) => message switch
    {
        InstanceStatusReport r => $"report/{r.InstanceId}/{r.Epoch}",
        PlacementRefused p => $"refused/{p.InstanceId}/{p.Epoch}",
        WorkerStateChanged w => $"worker/{w.Site}/{w.Node}",
        _ => null,
    };

    /// <summary>Queues, replacing an older message of the same key in its place.</summary>
    public void Put(string key, object message)
    {
        if (_byKey.TryGetValue(key, out var node))
        {
            node.Value = (key, message);
            return;
        }
        if (_order.Count >= Capacity && _order.First is { } oldest)
        {
            _byKey.Remove(oldest.Value.Key);
            _order.RemoveFirst();
            Dropped++;
        }
        _byKey[key] = _order.AddLast((key, message));
    }

    /// <summary>Everything queued, oldest first, and empties the queue.</summary>
    public IReadOnlyList<object> TakeAll()
    {
        var all = _order.Select(e => e.Message).ToArray();
        _order.Clear();
        _byKey.Clear();
        return all;
    }
}
