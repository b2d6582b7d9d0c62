namespace Oakestra.Actors.Contracts.Routing;

/// <summary>
/// Names of the balancing policies a Service IP can stand for. The set is open: a new policy is a new
/// name here, one address pool on the root and one policy class in the data plane.
/// </summary>
public static class BalancingPolicies
{
    public const string RoundRobin = "round_robin";
    public const string Closest = "closest";

    /// <summary>Every policy a new service gets a Service IP for, in the order the API lists them.</summary>
    public static readonly IReadOnlyList<string> All = [RoundRobin, Closest];
}
