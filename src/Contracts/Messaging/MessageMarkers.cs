namespace Oakestra.Actors.Contracts.Messaging;

/// <summary>
/// A message that crosses process boundaries between cluster members (root, orchestrators, workers).
/// Bound to Hyperion for remoting. Never persisted: Hyperion cannot read a type that gained a property.
/// </summary>
public interface IClusterMessage;

/// <summary>
/// An event or snapshot written to the journal. Bound to the JSON string-manifest serializer so that
/// records can gain optional properties and still recover old rows.
/// </summary>
public interface IPersistedMessage;

/// <summary>A message for a sharded entity: carries the entity id used by the message extractor.</summary>
public interface IEntityMessage
{
    string EntityId { get; }
}
