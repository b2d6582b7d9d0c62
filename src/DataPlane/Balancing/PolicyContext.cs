using Oakestra.Actors.DataPlane.Routing;

namespace Oakestra.Actors.DataPlane.Balancing;

/// <summary>What a policy may know about candidates at compile time: where they run and how far that is.</summary>
public sealed class PolicyContext
{
    private readonly RouteTableSpec _spec;
    private readonly int[] _peerOfInstance;

    internal PolicyContext(RouteTableSpec spec, int[] peerOfInstance, BalancingOptions options)
    {
        _spec = spec;
        _peerOfInstance = peerOfInstance;
        Options = options;
    }

    public BalancingOptions Options { get; }
    public GeoPoint? NodeLocation => _spec.NodeLocation;

    /// <summary>Peer index of the node an instance runs on; <see cref="InstanceSpec.Local"/> for this node.</summary>
    public int PeerOf(int instance) => _peerOfInstance[instance];

    public bool IsLocal(int instance) => _peerOfInstance[instance] == InstanceSpec.Local;
    public TimeSpan? RttTo(int peer) => _spec.Peers[peer].Rtt;
    public GeoPoint? LocationOf(int peer) => _spec.Peers[peer].Location;
}

/// <summary>Tuning of the policies.</summary>
/// <param name="ClosestRttThreshold">A node must beat every other by more than this RTT to win on RTT alone (default 2 ms).</param>
/// <param name="ClosestDistanceToleranceKm">Nodes whose distances differ by at most this are equally close and rotate (default 1 km).</param>
public sealed record BalancingOptions(TimeSpan ClosestRttThreshold, double ClosestDistanceToleranceKm = 1.0)
{
    public static readonly BalancingOptions Default = new(TimeSpan.FromMilliseconds(2));
}
