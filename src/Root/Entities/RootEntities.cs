using Akka.Actor;
using Akka.Cluster.Sharding;
using Oakestra.Actors.Contracts.Hosting;
using Oakestra.Actors.Root.Entities.Directory;
using Oakestra.Actors.Root.Entities.Instances;
using Oakestra.Actors.Root.Entities.Services;
using Oakestra.Actors.Root.Entities.Sites;

namespace Oakestra.Actors.Root.Entities;

/// <summary>
/// Starts the root's shard regions (role <c>root</c>) and the gateway, and fills <see cref="RootRefs"/>.
/// Region type names are part of the cluster protocol between root processes: never rename them.
/// </summary>
public static class RootEntities
{
    public const string ServiceRegion = "service";
    public const string InstanceRegion = "instance";
    public const string SiteRegistryRegion = "site-registry";
    public const string DirectoryRegion = "service-directory";

    public static IActorRef Start(ActorSystem system, RootRefs refs)
    {
        var sharding = ClusterSharding.Get(system);
        var settings = ClusterShardingSettings.Create(system).WithRole(OakestraRoles.Root);
        var extractor = new EntityMessageExtractor();
        refs.Services = sharding.Start(ServiceRegion, id => Props.Create(() => new ServiceActor(id, refs)), settings, extractor);
        refs.Instances = sharding.Start(InstanceRegion, id => Props.Create(() => new InstanceActor(id, refs)), settings, extractor);
        refs.Sites = sharding.Start(SiteRegistryRegion, _ => Props.Create(() => new SiteRegistryActor(refs)), settings, extractor);
        refs.Directory = sharding.Start(DirectoryRegion, _ => Props.Create(() => new DirectoryActor(refs)), settings, extractor);
        return system.ActorOf(Props.Create(() => new RootGateway(refs)), RootGateway.Name);
    }
}
