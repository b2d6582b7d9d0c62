using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;

namespace Oakestra.Actors.Contracts.Hosting;

/// <summary>Sharding defaults shared by every region, so all members agree on the shard of an entity.</summary>
public static class OakestraSharding
{
    /// <summary>Fixed for the life of a deployment: changing it moves entities between shards.</summary>
    public const int NumberOfShards = 100;

    /// <summary>
    /// ddata coordinator state (no durable ddata, no persistence of the coordinator) and no remembered
    /// entities: entities are recreated on demand by the next message, which is all our entities need.
    /// </summary>
    public static ShardOptions Options(string role) => new()
    {
        Role = role,
        StateStoreMode = StateStoreMode.DData,
        RememberEntities = false,
    };
}
