using Oakestra.Actors.Contracts.Hosting;
using Akka.Actor;

namespace Oakestra.Actors.Root.Entities.Sites;

/// <summary>
/// Who may speak for a site at the root tier: the ActorSystem its orchestrator registered from. A message naming an
/// orchestrator (RegisterSite, heartbeats, digests) must name one in the ActorSystem that sent it, and while the
/// registered orchestrator is still heard, only its ActorSystem speaks for the site; another one may take over a
/// site only once the site fell silent (a moved orchestrator waits the silence time; a restarted one comes back at
/// its own address at once). Pure: the registry gives what it knows.
/// </summary>
public static class SiteSpeakers
{
    /// <summary>
    /// The ActorSystem a message came from. Through a ClusterClient the sender is the receptionist's response tunnel
    /// (<c>/system/receptionist/&lt;escaped client path&gt;</c>, as Akka.Cluster.Tools names it), so the client's
    /// address is read from the tunnel's name; any other sender is its own address.
    /// </summary>
    public static Address Of(IActorRef sender)
    {
        var path = sender.Path;
        if (path.Parent is { Name: "receptionist" } parent && parent.Parent is { Name: "system" }
            && ActorPath.TryParse(Uri.UnescapeDataString(path.Name), out var client))
            return client.Address;
        return path.Address;
    }

    public static string? Refuse(string site, IActorRef? namedOrchestrator, Address from, Address? registered, bool registeredHeard,
        RemotingIdentities identities)
    {
        // The site's name is the orchestrator certificate's CN: another site's orchestrator, or a worker, cannot speak for it.
        if (identities.Refusal(from, OakestraRoles.Orchestrator, site) is { } notIts) return notIts;
        if (namedOrchestrator is not null && namedOrchestrator.Path.Address != from)
            return $"it names an orchestrator of another ActorSystem ({namedOrchestrator.Path.Address})";
        if (registered is { } known && known != from && registeredHeard)
            return $"site {site} is registered from {known}, which is still heard";
        return null;
    }
}
