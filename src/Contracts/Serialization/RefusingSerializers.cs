using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;

namespace Oakestra.Actors.Contracts.Serialization;

/// <summary>
/// Takes the place (and identifier) of one of Akka's general serializers that builds whatever type a message's
/// manifest names: a remote sender would choose what this process constructs. Every type that crosses the wire
/// has a serializer of its own (ours, or Akka's for its internal messages), so these only ever refuse, both ways.
/// </summary>
public abstract class RefusingSerializer(ExtendedActorSystem system, int identifier, string replaces) : Serializer(system)
{
    public override int Identifier => identifier;

    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj) =>
        throw new SerializationException(
            $"{obj.GetType().FullName} has no serializer of its own: a message between members is an {nameof(Messaging.IClusterMessage)} " +
            $"(Hyperion, allow-listed) and an event an {nameof(Messaging.IPersistedMessage)} (JSON); Akka's {replaces} is off");

    public override object FromBinary(byte[] bytes, Type? type) =>
        throw new SerializationException($"refused {bytes.Length} bytes for Akka's {replaces} (type {type?.FullName ?? "unnamed"}): it is off");
}

/// <summary>Instead of Newtonsoft JSON bound to System.Object (id 1): it runs the named type's constructor and setters.</summary>
public sealed class NoObjectSerializer(ExtendedActorSystem system) : RefusingSerializer(system, SerializerId, "object serializer (Newtonsoft JSON)")
{
    public const int SerializerId = 1;

    /// <summary>Akka passes the serialization-settings of "json" (it has some by default) when they exist.</summary>
    public NoObjectSerializer(ExtendedActorSystem system, Akka.Configuration.Config _) : this(system) { }
}

/// <summary>Instead of the serializer for Google.Protobuf messages (id 2): it constructs the named type before asking whether it is one.</summary>
public sealed class NoProtobufMessageSerializer(ExtendedActorSystem system) : RefusingSerializer(system, SerializerId, "Google.Protobuf message serializer")
{
    public const int SerializerId = 2;

    public NoProtobufMessageSerializer(ExtendedActorSystem system, Akka.Configuration.Config _) : this(system) { }
}
