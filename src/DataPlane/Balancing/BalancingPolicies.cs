namespace Oakestra.Actors.DataPlane.Balancing;

/// <summary>The registry of known policies, by id.</summary>
public static class BalancingPolicies
{
    private static readonly BalancingPolicy[] ById = Build(new InstancePolicy(), new RoundRobinPolicy(), new ClosestPolicy());

    private static BalancingPolicy[] Build(params BalancingPolicy[] policies)
    {
        var table = new BalancingPolicy[policies.Max(p => (int)p.Id) + 1];
        foreach (var p in policies) table[(int)p.Id] = p;
        return table;
    }

    public static BalancingPolicy Get(BalancingPolicyId id)
        => (int)id < ById.Length && ById[(int)id] is { } p ? p : throw new ArgumentOutOfRangeException(nameof(id), id, "unknown balancing policy");
}
