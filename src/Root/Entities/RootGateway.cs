using Akka.Actor;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Root.Entities.Instances;
using Oakestra.Actors.Root.Entities.Services;
using Oakestra.Actors.Root.Entities.Sites;
using Oakestra.Actors.Root.Pools;

namespace Oakestra.Actors.Root.Entities;

/// <summary>
/// The root tier's one well-known address for the sites: <c>/user/root-gateway</c> on every root process
/// (<see cref="Name"/>), registered with the ClusterClient receptionist, so an orchestrator of another cluster
/// reaches it through any root it can contact. It forwards each contract message to the entity that owns it,
/// keeping the sender (the ClusterClient's response tunnel), so answers (heartbeat acks, WorkerSubnetsAssigned,
/// StaleEpoch) go back to the site's link; pushes (deltas, snapshots, placements) go to the orchestrator's own
/// ref. Orchestrators need no sharding proxy and no extractor.
/// </summary>
public sealed class RootGateway : ReceiveActor
{
    public const string Name = "root-gateway";

    private sealed record Resolved(ResolveRoute Query, IActorRef ReplyTo, string? ServiceId);

    public RootGateway(RootRefs refs)
    {
        Receive<RegisterSite>(m => refs.Sites.Forward(new SiteRegistryEnvelope(m)));
        Receive<AssignWorkerSubnets>(m => refs.Sites.Forward(new SiteRegistryEnvelope(m)));
        Receive<UpdateWorkerLocation>(m => refs.Sites.Forward(new SiteRegistryEnvelope(m)));
        Receive<WorkerStateChanged>(m => refs.Sites.Forward(new SiteRegistryEnvelope(m)));
        Receive<WorkerRefused>(m => refs.Sites.Forward(new SiteRegistryEnvelope(m)));
        Receive<SiteHeartbeat>(m => refs.Sites.Forward(new SiteRegistryEnvelope(m)));
        Receive<SiteDigest>(m => refs.Sites.Forward(new SiteRegistryEnvelope(m)));

        Receive<InstanceStatusReport>(m => refs.Instances.Forward(new InstanceEnvelope(m.InstanceId, m)));
        Receive<PlacementRefused>(m => refs.Instances.Forward(new InstanceEnvelope(m.InstanceId, m)));

        Receive<SubscribeService>(m => refs.Services.Forward(new ServiceEnvelope(m.ServiceId, m)));
        Receive<UnsubscribeService>(m => refs.Services.Forward(new ServiceEnvelope(m.ServiceId, m)));
        Receive<RequestServiceSnapshot>(m => refs.Services.Forward(new ServiceEnvelope(m.ServiceId, m)));

        Receive<ResolveRoute>(q =>
        {
            var replyTo = q.Orchestrator;
            var address = q.Address.V4?.ToIPAddress() ?? q.Address.V6?.ToIPAddress();
            if (address is null)
            {
                replyTo.Tell(new RouteNotFound(q.Address));
                return;
            }
            refs.Pools.OwnerOfAsync(address).PipeTo(Self,
                success: r => new Resolved(q, replyTo, r.Ok ? ServiceIdOfOwner(r.Value!.Owner) : null),
                failure: _ => new Resolved(q, replyTo, null));
        });
        Receive<Resolved>(r =>
        {
            if (r.ServiceId is null) r.ReplyTo.Tell(new RouteNotFound(r.Query.Address));
            else refs.Services.Tell(new ResolveForSite(r.ServiceId, r.Query), r.ReplyTo);
        });
    }

    /// <summary>The service a pool owner belongs to: a Service IP's service, or an Instance IP's (id = service.N).</summary>
    public static string? ServiceIdOfOwner(string owner)
    {
        if (PoolOwners.AsService(owner) is { } s) return s.ServiceId;
        if (PoolOwners.AsInstance(owner) is { } instanceId)
        {
            var dot = instanceId.LastIndexOf('.');
            return dot > 0 ? instanceId[..dot] : null;
        }
        return null;
    }
}
