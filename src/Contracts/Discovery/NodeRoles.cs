namespace Oakestra.Actors.Contracts.Discovery;

/// <summary>The discovery contract between the three roles (see docs/NODES.md).</summary>
public static class NodeRoles
{
    public const string Root = Contracts.Hosting.OakestraRoles.Root;
    public const string Orchestrator = Contracts.Hosting.OakestraRoles.Orchestrator;
    public const string Worker = Contracts.Hosting.OakestraRoles.Worker;

    /// <summary>Second role of orchestrators and workers: which edge site they belong to.</summary>
    public static string SiteRole(string site) => $"site-{site}";

    /// <summary>On members with role root: receives RegisterSite, AssignWorkerSubnets, ResolveRoute, Subscribe/Unsubscribe, snapshot requests, status reports, WorkerStateChanged.</summary>
    public const string RootGatewayPath = "/user/root-gateway";

    public const string OrchestratorPath = "/user/orchestrator";

    /// <summary>HOCON setting all of a member's roles (the shared hosting setup sets only one).</summary>
    public static string RolesHocon(params string[] roles) =>
        $"akka.cluster.roles = [{string.Join(", ", roles.Select(r => $"\"{r}\""))}]";

    /// <summary>
    /// Hyperion for the protocol with the settings of <c>OakestraSerialization.HyperionSettings</c>, for tests that build
    /// ActorSystems from HOCON (processes use the shared hosting setup).
    /// </summary>
    public const string SerializationHocon = """
        akka.actor.serializers.hyperion = "Akka.Serialization.HyperionSerializer, Akka.Serialization.Hyperion"
        akka.actor.serialization-bindings {
          "Oakestra.Actors.Contracts.Messaging.IClusterMessage, Oakestra.Actors.Contracts" = hyperion
        }
        akka.actor.serialization-settings.hyperion {
          preserve-object-references = true
          version-tolerance = true
          disallow-unsafe-type = false
        }
        """;
}
