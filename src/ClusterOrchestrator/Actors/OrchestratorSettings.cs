namespace Oakestra.Actors.ClusterOrchestrator.Actors;

/// <summary>One orchestrator per edge site (Oak:Site:* in docs/CONFIG.md).</summary>
public sealed record OrchestratorSettings(string Site)
{
    /// <summary>How often unanswered requests to the root (registration, subnets, resolves) are sent again.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A worker gone from the site's cluster keeps its placements this long: a restarted worker process (or
    /// ActorSystem) comes back and adopts them. Past the grace they are reported lost and the root places them
    /// again elsewhere. The grace starts when the worker leaves (SIGTERM) or is removed after its downing (a crash,
    /// some 15 s later): 30 s lets a stopped worker start again on a loaded machine (stop 2.5 s + .NET start and
    /// rejoin 8-11 s in the lab under load) where 15 s lost the placements of a plain restart.
    /// </summary>
    public TimeSpan WorkerGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the site's digest goes to the root tier (anti-entropy).</summary>
    public TimeSpan DigestInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How a tunnel endpoint that is a host name becomes an address at registration (null: DNS, bounded by
    /// <see cref="TunnelLookupTimeout"/>; see <see cref="TunnelEndpoints"/>). Tests give their lab's names.
    /// </summary>
    public TunnelEndpointLookup? LookupTunnelEndpoint { get; init; }

    public TimeSpan TunnelLookupTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A name that did not resolve is looked up again no sooner than this (its worker repeats the registration every 2 s).</summary>
    public TimeSpan TunnelLookupRetry { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The site's peer set goes out at most once per this time: a change after a quiet spell at once, the changes
    /// within the spell after it, together (one delta per worker for all of them), so 1,000 workers registering at
    /// once cost each worker a few messages.
    /// </summary>
    public TimeSpan PeerFlushDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Peers (or delta entries) per message at most (see <see cref="PeerDirectory"/>).</summary>
    public int PeerChunk { get; init; } = PeerDirectory.DefaultChunkPeers;

    /// <summary>Test switch: drop every n-th message of <see cref="DropMessages"/> that arrives (0 = never).</summary>
    public int DropOneIn { get; init; }

    public IReadOnlySet<string> DropMessages { get; init; } = MessageDropper.DefaultTypes;
}
