using Akka.Cluster.Sharding;
using Oakestra.Actors.Contracts.Messaging;

namespace Oakestra.Actors.Contracts.Hosting;

/// <summary>
/// Routes <see cref="IEntityMessage"/>s by their own entity id; the message is delivered unwrapped.
/// Shard = hash of the id modulo <see cref="OakestraSharding.NumberOfShards"/>.
/// </summary>
public sealed class EntityMessageExtractor(int maxNumberOfShards = OakestraSharding.NumberOfShards)
    : HashCodeMessageExtractor(maxNumberOfShards)
{
    // ShardingEnvelope and StartEntity are unwrapped by the base class (Akka analyzer AK2001).
    public override string? EntityId(object message) => (message as IEntityMessage)?.EntityId;
}
