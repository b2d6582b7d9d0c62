namespace Oakestra.Actors.ClusterOrchestrator.Actors;

/// <summary>One orchestrator per edge site.</summary>
public sealed record OrchestratorSettings(string Site)
{
    /// <summary>How often unanswered requests to the root (registration, subnets, resolves) are sent again.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(2);
}
