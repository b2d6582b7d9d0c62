using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;

namespace Oakestra.Actors.Root.Entities.Sites;

/// <summary>A placement an Instance entity expects to exist at a site: one in flight, or the one that runs.</summary>
public sealed record ExpectedPlacement(string Site, string? Node, long Epoch, bool Running);

/// <summary>A difference between a site's digest and what the Instance entities expect, for the entity to settle.</summary>
public sealed record PlacementDifference(string InstanceId, PlacementDigest? Reported, long MissingEpoch);

/// <summary>
/// The site registry's copy of what every Instance entity expects to run where (kept in memory, told by the
/// entities after each change), so a site's digest is compared in one place and only the differences wake
/// an entity. An entity the mirror has not heard of since the registry started is always asked: the entity,
/// never the mirror, decides. Pure.
/// </summary>
public sealed class PlacementMirror
{
    private readonly Dictionary<string, (IReadOnlyList<ExpectedPlacement> Expected, DateTime ChangedUtc)> _byInstance = new(StringComparer.Ordinal);

    public int Count => _byInstance.Count;

    public void Set(string instanceId, IReadOnlyList<ExpectedPlacement> expected, DateTime nowUtc)
    {
        if (_byInstance.TryGetValue(instanceId, out var old) && old.Expected.SequenceEqual(expected)) return;
        // Kept also when empty: "heard of, expects nothing" differs from "not heard of since the start".
        _byInstance[instanceId] = (expected, nowUtc);
    }

    public IReadOnlyList<ExpectedPlacement> Expected(string instanceId) =>
        _byInstance.TryGetValue(instanceId, out var e) ? e.Expected : [];

    /// <summary>
    /// What differs between <paramref name="digest"/> and the expectations: a placement the site runs that no entity
    /// expects there (stale, or unknown since a restart), one whose running state differs (a lost report), and one
    /// expected at the site for longer than <paramref name="settle"/> that the site does not run (a lost placement).
    /// <paramref name="assigned"/>: instances the persistent registry assigns to the site, so that entities the
    /// mirror has not heard of are woken too.
    /// </summary>
    public IReadOnlyList<PlacementDifference> Compare(
        SiteDigest digest, IEnumerable<string> assigned, DateTime nowUtc, TimeSpan settle)
    {
        var differences = new List<PlacementDifference>();
        var reported = new HashSet<(string, long)>();
        foreach (var p in digest.Placements)
        {
            reported.Add((p.InstanceId, p.Epoch));
            var expected = Expected(p.InstanceId).FirstOrDefault(e => e.Site == digest.Site && e.Epoch == p.Epoch);
            var runs = p.Status == InstanceStatus.Running;
            if (expected is null || (expected.Running != runs && !p.Draining) || (expected.Node is { } n && n != p.Node))
                differences.Add(new PlacementDifference(p.InstanceId, p, 0));
        }
        var reportedInstances = digest.Placements.Select(p => p.InstanceId).ToHashSet(StringComparer.Ordinal);
        foreach (var (id, (expected, changed)) in _byInstance)
        {
            if (nowUtc - changed < settle) continue;
            foreach (var e in expected)
                if (e.Site == digest.Site && !reported.Contains((id, e.Epoch))) differences.Add(new PlacementDifference(id, null, e.Epoch));
        }
        foreach (var id in assigned)
            if (!_byInstance.ContainsKey(id) && !reportedInstances.Contains(id)) differences.Add(new PlacementDifference(id, null, 0));
        return differences;
    }
}
