namespace Oakestra.Actors.DataPlane.Balancing;

/// <summary>
/// The policy a Service IP stands for. Adding a policy = one value here, one <see cref="BalancingPolicy"/>
/// subclass registered in <see cref="BalancingPolicies"/>, one address pool in the control plane.
/// </summary>
public enum BalancingPolicyId : byte
{
    /// <summary>An Instance IP: always that one instance.</summary>
    Instance = 0,
    RoundRobin = 1,
    Closest = 2,
}
