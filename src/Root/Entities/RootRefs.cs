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
}

/// <summary>Timings of the root's entities (configurable, see docs/CONFIG.md).</summary>
public sealed record RootSettings(TimeSpan MigrationDrain, TimeSpan AskTimeout, int SnapshotEvery)
{
    public static readonly RootSettings Default = new(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), 200);
}
