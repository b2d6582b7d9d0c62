using Akka.Actor;
using Oakestra.Actors.Root.Pools;

namespace Oakestra.Actors.Root.Entities;

/// <summary>
/// How the root's entities reach each other and the pools. Filled once the shard regions have started;
/// entities read it lazily (a region's entities may start before a later region exists).
/// </summary>
public sealed class RootRefs(AddressPools pools, RootSettings settings)
{
    public AddressPools Pools { get; } = pools;
    public RootSettings Settings { get; } = settings;
    public IActorRef Services { get; set; } = ActorRefs.Nobody;
    public IActorRef Instances { get; set; } = ActorRefs.Nobody;
    public IActorRef Sites { get; set; } = ActorRefs.Nobody;
    public IActorRef Directory { get; set; } = ActorRefs.Nobody;

    /// <summary>This root process's start: sites see it change in heartbeat answers and register again.</summary>
    public string Incarnation { get; } = Guid.NewGuid().ToString("N")[..12];
}

/// <summary>Timings of the root's entities (configurable, see docs/CONFIG.md).</summary>
public sealed record RootSettings(TimeSpan MigrationDrain, TimeSpan AskTimeout, int SnapshotEvery)
{
    public static readonly RootSettings Default = new(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), 200);

    /// <summary>A site not heard for this long is out of reach: its nodes show Unreachable, nothing new goes there.</summary>
    public TimeSpan SiteSilence { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Past silence + grace a site is lost: its instances are placed on other sites (same Instance IPs, new epochs). Zero: never.</summary>
    public TimeSpan SiteGrace { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A placement handed out this recently is not yet expected in a site's digest.</summary>
    public TimeSpan DigestSettle { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan LinkCheckInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A placement not Running this long after it was handed to a site is given up (Failed, with the reason) and the
    /// instance placed again with the crash-loop backoff: a lost PlaceInstance, a worker stuck starting it. Zero: never.
    /// </summary>
    public TimeSpan PlacementDeadline { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// A node Down (its site gave up on it) this long is decommissioned: forgotten, its subnets released to the pools.
    /// A day: far past any restart, short enough that replaced workers do not exhaust the subnet pools. Zero: never.
    /// </summary>
    public TimeSpan NodeDecommissionGrace { get; init; } = TimeSpan.FromHours(24);

    /// <summary>How long a reserved service id waits for its CreateService (the addresses are allocated meanwhile).</summary>
    public TimeSpan ServiceReservation { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// An address its owner entity does not hold this long after it was allocated (or the pool recovered) is reclaimed by
    /// the address audit, into quarantine: what a crash between allocation and the owner's own event leaves behind.
    /// Longer than <see cref="ServiceReservation"/>, so a request still allowed to create its service never loses its addresses.
    /// </summary>
    public TimeSpan UnconfirmedAddressGrace { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>How often the address audit looks for unconfirmed holdings. Zero: never.</summary>
    public TimeSpan AddressAuditInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an audit's confirmation keeps a holding off the next audits' lists (they re-check it after).</summary>
    public TimeSpan AddressConfirmation { get; init; } = TimeSpan.FromHours(1);
}
