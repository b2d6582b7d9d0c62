namespace Oakestra.Actors.DataPlane.Routing;

/// <summary>
/// The one place a snapshot changes hands: the packet-path actor publishes, the forwarding thread reads.
/// A single reference swap, so the loop never waits and always sees a complete snapshot.
/// </summary>
public sealed class SnapshotHolder(RouteSnapshot initial)
{
    private RouteSnapshot _current = initial;

    public RouteSnapshot Current => Volatile.Read(ref _current);

    public void Publish(RouteSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        Volatile.Write(ref _current, snapshot);
    }
}
