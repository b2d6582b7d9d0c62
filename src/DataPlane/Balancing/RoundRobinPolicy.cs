namespace Oakestra.Actors.DataPlane.Balancing;

/// <summary>True rotation over every instance of the service, new flow after new flow.</summary>
public sealed class RoundRobinPolicy : BalancingPolicy
{
    public override BalancingPolicyId Id => BalancingPolicyId.RoundRobin;
    public override int[] SelectEligible(ReadOnlySpan<int> candidates, PolicyContext context) => candidates.ToArray();
}
