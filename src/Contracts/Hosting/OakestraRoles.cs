namespace Oakestra.Actors.Contracts.Hosting;

/// <summary>The cluster roles of the three processes (docs/DESIGN.md §3).</summary>
public static class OakestraRoles
{
    public const string Root = "root";
    public const string Orchestrator = "orchestrator";
    public const string Worker = "worker";
}
