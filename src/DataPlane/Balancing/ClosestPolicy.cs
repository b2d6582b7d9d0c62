using Oakestra.Actors.DataPlane.Routing;

namespace Oakestra.Actors.DataPlane.Balancing;

/// <summary>
/// Closest (docs/DESIGN.md §4), decided at compile time, rotated per flow among what is left:
/// <list type="number">
/// <item>instances on this node win;</item>
/// <item>otherwise, among nodes with a measured RTT, those within <see cref="BalancingOptions.ClosestRttThreshold"/>
/// of the lowest stay (one left = it beat all others by more than the threshold). Nodes without a
/// measurement lose to measured ones; when none is measured all stay;</item>
/// <item>among those, the nodes at the smallest great-circle distance from this node (within
/// <see cref="BalancingOptions.ClosestDistanceToleranceKm"/>) stay; a node without coordinates counts as
/// infinitely far, and when distances are unknown all stay;</item>
/// <item>the instances on the remaining nodes rotate.</item>
/// </list>
/// </summary>
public sealed class ClosestPolicy : BalancingPolicy
{
    public override BalancingPolicyId Id => BalancingPolicyId.Closest;

    public override int[] SelectEligible(ReadOnlySpan<int> candidates, PolicyContext context)
    {
        var local = new List<int>();
        foreach (int c in candidates) if (context.IsLocal(c)) local.Add(c);
        if (local.Count > 0) return local.ToArray();

        var nodes = new SortedSet<int>();
        foreach (int c in candidates) nodes.Add(context.PeerOf(c));
        if (nodes.Count == 0) return [];

        var measured = nodes.Where(n => context.RttTo(n) is not null).ToList();
        var keep = nodes.ToList();
        if (measured.Count > 0)
        {
            var best = measured.Min(n => context.RttTo(n)!.Value);
            keep = measured.Where(n => context.RttTo(n)!.Value - best <= context.Options.ClosestRttThreshold).ToList();
        }

        if (keep.Count > 1 && context.NodeLocation is { } here)
        {
            double Distance(int n) => context.LocationOf(n) is { } there ? Geo.HaversineKm(here, there) : double.PositiveInfinity;
            double nearest = keep.Min(Distance);
            if (!double.IsPositiveInfinity(nearest))
                keep = keep.Where(n => Distance(n) <= nearest + context.Options.ClosestDistanceToleranceKm).ToList();
        }

        var chosen = new HashSet<int>(keep);
        var eligible = new List<int>();
        foreach (int c in candidates) if (chosen.Contains(context.PeerOf(c))) eligible.Add(c);
        return eligible.ToArray();
    }
}
