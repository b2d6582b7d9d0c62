namespace Oakestra.Actors.WorkerNode.Ports;

/// <summary>Where this node sends packets for an Instance IP.</summary>
public enum InstanceVia { None, Local, Tunnel }

/// <summary>
/// One decision, used by the forwarding data plane and by the `oak table` report so the two never disagree.
/// </summary>
public static class InstanceRouting
{
    /// <param name="runsHere">a placement of the instance runs or drains on this node (its namespace exists).</param>
    /// <remarks>
    /// A route can name this node before the start here has completed (the root places, then the worker
    /// starts): until the host reports the placement there is no namespace to deliver to, so the instance is
    /// not routed (its packets wait as misses or are dropped) instead of making the whole table invalid.
    /// A draining placement here stays local even when the route already names the new owner: one Instance IP
    /// cannot be both local and remote in one snapshot, and the open flows must finish here. The cost: new flows
    /// from clients on this node also reach the draining placement until the drain ends (up to the drain grace),
    /// not the new owner as DESIGN's migration asks; splitting that needs open and new flows told apart here.
    /// </remarks>
    public static InstanceVia Via(InstanceTarget target, bool runsHere) =>
        runsHere ? InstanceVia.Local
        : target.Local ? InstanceVia.None
        : target.Node is not null && target.TunnelEndpoint is not null ? InstanceVia.Tunnel
        : InstanceVia.None;
}
