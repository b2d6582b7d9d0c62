using Akka.Hosting;
using Akka.Serialization;
using Oakestra.Actors.Contracts.Messaging;

namespace Oakestra.Actors.Contracts.Serialization;

/// <summary>
/// Binds the two serializers: JSON for the journal (<see cref="IPersistedMessage"/>), Hyperion restricted to
/// <see cref="ClusterWireTypes"/> for remoting (<see cref="IClusterMessage"/>). A type must carry only one of the
/// two markers. Akka's general serializers that build whatever type a manifest names (the default object serializer,
/// the Google.Protobuf one) are replaced by <see cref="RefusingSerializer"/>s: what remains reachable from the wire
/// is these two and Akka's own serializers of its internal messages.
/// </summary>
public static class OakestraSerialization
{
    public const string HyperionName = "hyperion";

    public static AkkaConfigurationBuilder WithOakestraSerializers(this AkkaConfigurationBuilder builder) => builder
        .WithCustomSerializer(OakJsonSerializer.Name, [typeof(IPersistedMessage)], system => new OakJsonSerializer(system))
        .WithCustomSerializer(HyperionName, [typeof(IClusterMessage)], system => new HyperionSerializer(system, HyperionSettings))
        .AddHocon($"""
            akka.actor.serializers.json = "{Name<NoObjectSerializer>()}"
            akka.actor.serializers.proto = "{Name<NoProtobufMessageSerializer>()}"
            """, HoconAddMode.Prepend);

    private static string Name<T>() => $"{typeof(T).FullName}, {typeof(T).Assembly.GetName().Name}";

    /// <summary>
    /// Hyperion constructs only what <see cref="ClusterWireTypes"/> allows (its filter is consulted only with
    /// <c>disallowUnsafeType</c> on, which also applies Hyperion's own deny list). It reads only what cluster
    /// members send (never the journal or user input), and only members with the deployment's certificate can send.
    /// </summary>
    public static HyperionSerializerSettings HyperionSettings { get; } = new(
        preserveObjectReferences: true,
        versionTolerance: true,
        knownTypesProvider: typeof(NoKnownTypesProvider),
        packageNameOverrides: [],
        surrogates: [],
        disallowUnsafeType: true,
        typeFilter: ClusterWireTypes.Instance);
}

/// <summary>Hyperion needs a provider type; we register no implicit known types.</summary>
public sealed class NoKnownTypesProvider : IKnownTypesProvider
{
    public IEnumerable<Type> GetKnownTypes() => [];
}
