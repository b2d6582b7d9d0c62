using Akka.Actor;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Root.Entities.Sites;

namespace Oakestra.Actors.Nodes.Tests.Fakes;

/// <summary>
/// The two things the root's site registry does for `oak table`, over a <see cref="RootStore"/>: list the nodes
/// (with the states the orchestrators reported) and forward a message to a site's orchestrator, keeping the sender.
/// Lets the root's real <see cref="Root.Api.ActorControlPlane"/> ask through the real orchestrator and worker actors.
/// </summary>
public sealed class SiteRegistryStub : ReceiveActor
{
    public SiteRegistryStub(RootStore store)
    {
        Receive<ListNodes>(_ =>
        {
            var nodes = store.Read(s => s.Subnets.Select(kv => new NodeRecord(kv.Key.Site, kv.Key.Node, kv.Value.V4, kv.Value.V6,
                $"{kv.Key.Node}.lab:50103", 0, 0, s.WorkerStates.GetValueOrDefault(kv.Key, WorkerState.Up))).ToArray());
            Sender.Tell(new NodeList(nodes, nodes.ToDictionary(n => n.Key, _ => 0), new Dictionary<string, DateTime>()));
        });
        Receive<ForwardToSite>(f =>
        {
            var orchestrator = store.Read(s => s.Sites.GetValueOrDefault(f.Site));
            orchestrator?.Forward(f.Message);
        });
    }

    public static Props Props(RootStore store) => Akka.Actor.Props.Create(() => new SiteRegistryStub(store));
}
