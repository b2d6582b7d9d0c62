using Oakestra.Actors.Contracts.Protocol;

namespace Oakestra.Actors.ClusterOrchestrator.Actors;

/// <summary>One peer message for one worker, in the order it must be sent.</summary>
public sealed record PeerSend(string Node, object Message);

/// <summary>
/// The site's peer set as the orchestrator published it, at a version, and the version each worker was last sent
/// (pure: no actor, no clock of its own). The actor collects changes for a moment and calls <see cref="Flush"/>: the
/// difference to what was published becomes one or more deltas (one version each, at most <see cref="ChunkPeers"/>
/// entries), a worker sent the version before them gets the deltas, any other worker (new, restarted, one that
/// asked, one that missed a flush) the snapshot in parts of at most <see cref="ChunkPeers"/> peers. So a burst of
/// registrations costs each worker a message or two, not one whole list per registration.
/// </summary>
public sealed class PeerDirectory
{
    /// <summary>Entries per message: a peer is ~200 bytes on the wire, so a part stays near 50 KB, far below the frame.</summary>
    public const int DefaultChunkPeers = 250;

    private readonly string _site;
    private readonly Dictionary<string, SitePeer> _published = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Version, DateTime AtUtc)> _sent = new(StringComparer.Ordinal);

    public PeerDirectory(string site, long firstVersion, int chunkPeers = DefaultChunkPeers)
    {
        if (chunkPeers < 1) throw new ArgumentOutOfRangeException(nameof(chunkPeers));
        _site = site;
        Version = firstVersion;
        ChunkPeers = chunkPeers;
    }

    /// <summary>Versions of an orchestrator start at its start time in µs since 1970 (see <see cref="SitePeersChanged"/>).</summary>
    public static long FirstVersionAt(DateTime utc) => (utc.ToUniversalTime() - DateTime.UnixEpoch).Ticks / 10;

    public int ChunkPeers { get; }

    /// <summary>The version of <see cref="Peers"/>.</summary>
    public long Version { get; private set; }

    public IReadOnlyCollection<SitePeer> Peers => _published.Values;

    /// <summary>The version last sent to <paramref name="node"/>, or null (nothing, or forgotten).</summary>
    public long? SentTo(string node) => _sent.TryGetValue(node, out var s) ? s.Version : null;

    /// <summary>The next flush sends <paramref name="node"/> the snapshot (a new incarnation, or it asked for one).</summary>
    public void Forget(string node) => _sent.Remove(node);

    /// <summary>
    /// Publishes <paramref name="current"/> (the placeable workers as peers) and says what each of
    /// <paramref name="recipients"/> must be sent to hold it. Workers not among the recipients are forgotten: should
    /// they be recipients again, they get the snapshot.
    /// </summary>
    public IReadOnlyList<PeerSend> Flush(IEnumerable<SitePeer> current, IEnumerable<string> recipients, DateTime nowUtc)
    {
        var before = Version;
        var deltas = Publish(current.ToDictionary(p => p.Node, StringComparer.Ordinal));
        IReadOnlyList<SitePeersSnapshot>? snapshot = null;
        var sends = new List<PeerSend>();
        var to = recipients.ToHashSet(StringComparer.Ordinal);
        foreach (var node in to.Order(StringComparer.Ordinal))
        {
            var held = SentTo(node);
            if (held == Version) continue;
            if (held == before) sends.AddRange(deltas.Select(d => new PeerSend(node, d)));
            else sends.AddRange((snapshot ??= Snapshot()).Select(s => new PeerSend(node, s)));
            _sent[node] = (Version, nowUtc);
        }
        foreach (var node in _sent.Keys.Where(n => !to.Contains(n)).ToArray()) _sent.Remove(node);
        return sends;
    }

    /// <summary>
    /// Anti-entropy: a worker whose digest names another version than the one sent to it at least
    /// <paramref name="settle"/> ago (time enough to have arrived) missed a message; true when so, and it is
    /// forgotten, so the next flush sends it the snapshot.
    /// </summary>
    public bool Lags(string node, long? heldVersion, DateTime nowUtc, TimeSpan settle)
    {
        if (!_sent.TryGetValue(node, out var sent) || sent.Version == heldVersion || nowUtc - sent.AtUtc < settle) return false;
        _sent.Remove(node);
        return true;
    }

    /// <summary>The snapshot of what is published, in parts.</summary>
    public IReadOnlyList<SitePeersSnapshot> Snapshot()
    {
        var peers = _published.Values.OrderBy(p => p.Node, StringComparer.Ordinal).ToArray();
        var chunks = Math.Max(1, (peers.Length + ChunkPeers - 1) / ChunkPeers);
        return Enumerable.Range(0, chunks)
            .Select(i => new SitePeersSnapshot(_site, Version, i, chunks, peers.Skip(i * ChunkPeers).Take(ChunkPeers).ToArray()))
            .ToArray();
    }

    private List<SitePeersChanged> Publish(Dictionary<string, SitePeer> current)
    {
        var upserted = current.Values.Where(p => !_published.TryGetValue(p.Node, out var old) || old != p)
            .OrderBy(p => p.Node, StringComparer.Ordinal).ToArray();
        var removed = _published.Keys.Where(n => !current.ContainsKey(n)).Order(StringComparer.Ordinal).ToArray();
        var deltas = new List<SitePeersChanged>();
        // Removals first, then upserts, at most ChunkPeers entries per delta, each delta one version.
        var entries = removed.Select(n => ((SitePeer?)null, n)).Concat(upserted.Select(p => ((SitePeer?)p, p.Node))).ToArray();
        for (var i = 0; i < entries.Length; i += ChunkPeers)
        {
            var part = entries.Skip(i).Take(ChunkPeers).ToArray();
            var delta = new SitePeersChanged(_site, Version, Version + 1,
                part.Where(e => e.Item1 is not null).Select(e => e.Item1!).ToArray(),
                part.Where(e => e.Item1 is null).Select(e => e.Item2).ToArray());
            foreach (var n in delta.RemovedNodes) _published.Remove(n);
            foreach (var p in delta.Upserted) _published[p.Node] = p;
            Version = delta.ToVersion;
            deltas.Add(delta);
        }
        return deltas;
    }
}
