namespace Oakestra.Actors.WorkerNode.Runtime;

/// <summary>What <see cref="InstanceRuntime.CleanUpLeftoversAsync"/> removed.</summary>
public sealed record LeftoverCleanup(IReadOnlyList<string> Namespaces, IReadOnlyList<string> Veths, int ProcessesKilled);
