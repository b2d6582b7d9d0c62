using Oakestra.Actors.DataPlane.Routing;

namespace Oakestra.Actors.DataPlane.Balancing;

/// <summary>
/// A balancing policy in two halves: <see cref="SelectEligible"/> runs when a snapshot is compiled (off the
/// packet path, may allocate) and narrows the candidates down; <see cref="Pick"/> runs once per new flow on
/// the forwarding thread and must neither allocate nor block. The default pick rotates through the
/// eligible instances, which is what both Round Robin and Closest's tie-break need.
/// </summary>
public abstract class BalancingPolicy
{
    public abstract BalancingPolicyId Id { get; }

    /// <summary>The instances (indices into the snapshot, subset of <paramref name="candidates"/>) this policy may pick from.</summary>
    public abstract int[] SelectEligible(ReadOnlySpan<int> candidates, PolicyContext context);

    /// <summary>The instance index for a new flow, or -1 when there is none.</summary>
    public virtual int Pick(ServiceAddressRoute route)
    {
        var eligible = route.Eligible;
        if (eligible.Length == 0) return -1;
        uint turn = route.Rotation++;
        return eligible[(int)(turn % (uint)eligible.Length)];
    }
}
