using Akka.Actor;
using Oakestra.Actors.Contracts.Messaging;
using Oakestra.Actors.Contracts.Routing;

namespace Oakestra.Actors.Contracts.Protocol;

// The link between an edge site and the root tier, and anti-entropy inside a site (docs/NODES.md). The tiers
// are separate Akka clusters: no DeathWatch crosses them, application heartbeats with timeouts do.

/// <summary>
/// Orchestrator → root tier, every heartbeat interval: the site is alive, this is its orchestrator now,
/// and this many reports wait in its queue (for `oak sites`).
/// </summary>
public sealed record SiteHeartbeat(string Site, IActorRef Orchestrator, long Sequence, int QueuedReports) : IClusterMessage;

/// <summary>Root → the heartbeat's sender. <see cref="RootIncarnation"/> changes with every start of the answering root.</summary>
public sealed record SiteHeartbeatAck(string Site, long Sequence, string RootIncarnation) : IClusterMessage;

/// <summary>
/// One placement as the level below sees it run (or drain) right now; <see cref="Placement"/> is what its worker
/// reports of it (namespace addresses, tunnel endpoint), so a missed status report can be taken from the digest.
/// </summary>
public sealed record PlacementDigest(
    string InstanceId, long Epoch, string Node, InstanceStatus Status, Placement? Placement, bool Draining = false, int? ProcessId = null);

/// <summary>A service at the version its follower holds.</summary>
public sealed record ServiceVersion(string ServiceId, long Version);

/// <summary>
/// Worker → its orchestrator, every digest interval: what it runs and which service versions its table holds.
/// The orchestrator starts what is missing (a lost StartInstance) and sends a snapshot where a version lags
/// (a lost delta); placements it did not know of are adopted into its own view and reported upwards.
/// <see cref="PeersVersion"/>: the version of the site's peer set the worker holds (null: none, or an older worker);
/// a worker that lags behind what was sent to it a while ago gets a snapshot (a lost <see cref="SitePeersChanged"/>).
/// </summary>
public sealed record WorkerDigest(
    string Site, string Node, IActorRef Worker, IReadOnlyList<PlacementDigest> Placements, IReadOnlyList<ServiceVersion> Services,
    long? PeersVersion = null) : IClusterMessage;

/// <summary>
/// Orchestrator → root tier, every digest interval: every placement of the site and the version of every
/// service the site follows. The root stops stale epochs (a lost StopInstance), places again what the site
/// lacks (a lost PlaceInstance), takes a status it missed (a lost report) and sends snapshots where a version
/// lags (a lost ServiceDelta).
/// </summary>
public sealed record SiteDigest(
    string Site, IActorRef Orchestrator, IReadOnlyList<PlacementDigest> Placements, IReadOnlyList<ServiceVersion> Services) : IClusterMessage;
