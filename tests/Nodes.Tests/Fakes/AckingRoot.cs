using Akka.Actor;
using Oakestra.Actors.Contracts.Protocol;

namespace Oakestra.Actors.Nodes.Tests.Fakes;

/// <summary>
/// A root tier reduced to its link: answers the site's heartbeats (so the orchestrator's root link counts it
/// reachable) and passes every other message to <paramref name="probe"/>, sender kept. Digests are not passed on.
/// </summary>
public sealed class AckingRoot : ReceiveActor
{
    public AckingRoot(IActorRef probe)
    {
        Receive<SiteHeartbeat>(h => Sender.Tell(new SiteHeartbeatAck(h.Site, h.Sequence, "acking-root")));
        Receive<SiteDigest>(_ => { });
        ReceiveAny(m => probe.Forward(m));
    }

    public static Props Props(IActorRef probe) => Akka.Actor.Props.Create(() => new AckingRoot(probe));
}
