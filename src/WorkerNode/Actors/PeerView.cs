using Oakestra.Actors.Contracts.Protocol;

namespace Oakestra.Actors.WorkerNode.Actors;

/// <summary>What a worker does with a peer message, given what it holds.</summary>
public enum PeerOutcome
{
    /// <summary>The peers changed (a delta on the held version, or the last part of a snapshot).</summary>
    Applied,
    /// <summary>Nothing to do: a delta to the version held already, or a snapshot part that is not the last.</summary>
    Ignored,
    /// <summary>A delta from another version than the one held: the worker needs the snapshot.</summary>
    Gap,
}

/// <summary>
/// A worker's view of its site's peers (pure; one actor owns it): a delta applies only on the version it names, a
/// snapshot replaces everything once all its parts arrived (whatever version was held: the orchestrator's word is
/// the truth, also a restarted one's). Starts from what the node remembers, at no version, so the first delta
/// is a gap unless a snapshot came first (registration sends one).
/// </summary>
public sealed class PeerView(IReadOnlyList<SitePeer> remembered)
{
    private Dictionary<string, SitePeer> _peers = remembered.GroupBy(p => p.Node, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
    private SitePeer[] _list = remembered.ToArray();
    private long? _assembling;
    private readonly Dictionary<int, IReadOnlyList<SitePeer>> _parts = new();

    /// <summary>The version held, null before the first snapshot.</summary>
    public long? Version { get; private set; }

    public IReadOnlyList<SitePeer> Peers => _list;

    public PeerOutcome Apply(SitePeersChanged delta)
    {
        if (Version == delta.ToVersion) return PeerOutcome.Ignored;
        if (Version != delta.FromVersion) return PeerOutcome.Gap;
        foreach (var node in delta.RemovedNodes) _peers.Remove(node);
        foreach (var p in delta.Upserted) _peers[p.Node] = p;
        Version = delta.ToVersion;
        _list = Sorted(_peers.Values);
        return PeerOutcome.Applied;
    }

    public PeerOutcome Offer(SitePeersSnapshot part)
    {
        if (part.Chunks < 1 || part.Chunk < 0 || part.Chunk >= part.Chunks) return PeerOutcome.Ignored;
        if (_assembling != part.Version) { _assembling = part.Version; _parts.Clear(); }
        _parts[part.Chunk] = part.Peers;
        if (_parts.Count < part.Chunks) return PeerOutcome.Ignored;
        _peers = _parts.Values.SelectMany(p => p).GroupBy(p => p.Node, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        _list = Sorted(_peers.Values);
        Version = part.Version;
        _assembling = null;
        _parts.Clear();
        return PeerOutcome.Applied;
    }

    private static SitePeer[] Sorted(IEnumerable<SitePeer> peers) => peers.OrderBy(p => p.Node, StringComparer.Ordinal).ToArray();
}
