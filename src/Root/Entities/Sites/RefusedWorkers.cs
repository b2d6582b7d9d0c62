using Oakestra.Actors.Contracts.Protocol;

namespace Oakestra.Actors.Root.Entities.Sites;

/// <summary>
/// Workers whose site refused their registration (<see cref="WorkerRefused"/>), for `oak nodes`. Held in memory only:
/// the site tells again while the worker keeps trying (every <see cref="Keep"/>/3 at most), so an entry not heard of
/// for <see cref="Keep"/> belongs to a worker that stopped trying and is left out. Pure, no actor.
/// </summary>
public sealed class RefusedWorkers
{
    public static readonly TimeSpan Keep = TimeSpan.FromSeconds(90);

    private readonly Dictionary<(string Site, string Node), (WorkerRefused Refusal, DateTime AtUtc)> _byNode = new();

    public void Put(WorkerRefused refusal, DateTime nowUtc) => _byNode[(refusal.Site, refusal.Node)] = (refusal, nowUtc);

    /// <summary>The worker registered after all.</summary>
    public void Forget(string site, string node) => _byNode.Remove((site, node));

    public IReadOnlyList<WorkerRefused> Current(DateTime nowUtc)
    {
        foreach (var key in _byNode.Where(e => nowUtc - e.Value.AtUtc > Keep).Select(e => e.Key).ToArray()) _byNode.Remove(key);
        return _byNode.Values.Select(v => v.Refusal).OrderBy(r => r.Site, StringComparer.Ordinal).ThenBy(r => r.Node, StringComparer.Ordinal).ToArray();
    }
}
