namespace Oakestra.Actors.ClusterOrchestrator.Discovery;

/// <summary>The discovery contract between the three roles (see docs/NODES.md).</summary>
public static class NodeRoles
{
    public const string Root = "root";
    public const string Orchestrator = "orchestrator";
    public const string Worker = "worker";

    /// <summary>Second role of orchestrators and workers: which edge site they belong to.</summary>
    public static string SiteRole(string site) => $"site-{site}";

    /// <summary>On members with role root: receives RegisterSite, AssignWorkerSubnets, ResolveRoute, Subscribe/Unsubscribe, snapshot requests, status reports, WorkerStateChanged.</summary>
    public const string RootGatewayPath = "/user/root-gateway";

    public const string OrchestratorPath = "/user/orchestrator";

    /// <summary>Remoting messages use Hyperion until the shared hosting extension binds serializers.</summary>
    public const string SerializationHocon = """
        akka.actor.serializers.hyperion = "Akka.Serialization.HyperionSerializer, Akka.Serialization.Hyperion"
        akka.actor.serialization-bindings {
          "Oakestra.Actors.Contracts.Messaging.IClusterMessage, Oakestra.Actors.Contracts" = hyperion
        }
        """;
}
