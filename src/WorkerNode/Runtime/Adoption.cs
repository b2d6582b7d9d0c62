namespace Oakestra.Actors.WorkerNode.Runtime;

/// <summary>What <see cref="InstanceRuntime.AdoptAsync"/> took over, which recorded instances were gone, and what it removed.</summary>
public sealed record Adoption(IReadOnlyList<InstanceInfo> Adopted, IReadOnlyList<string> Gone, LeftoverCleanup Cleanup);
