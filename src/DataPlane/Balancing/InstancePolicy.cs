namespace Oakestra.Actors.DataPlane.Balancing;

/// <summary>An Instance IP: its one instance (the compiler gives it exactly that candidate).</summary>
public sealed class InstancePolicy : BalancingPolicy
{
    public override BalancingPolicyId Id => BalancingPolicyId.Instance;
    public override int[] SelectEligible(ReadOnlySpan<int> candidates, PolicyContext context) => candidates.ToArray();
}
