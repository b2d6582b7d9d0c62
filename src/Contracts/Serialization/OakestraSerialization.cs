using Akka.Hosting;
using Akka.Serialization;
using Oakestra.Actors.Contracts.Messaging;

namespace Oakestra.Actors.Contracts.Serialization;

/// <summary>
/// Binds the two serializers: JSON for the journal (<see cref="IPersistedMessage"/>), Hyperion for
/// remoting (<see cref="IClusterMessage"/>). A type must carry only one of the two markers.
/// </summary>
public static class OakestraSerialization
{
    public const string HyperionName = "hyperion";

    public static AkkaConfigurationBuilder WithOakestraSerializers(this AkkaConfigurationBuilder builder) => builder
        .WithCustomSerializer(OakJsonSerializer.Name, [typeof(IPersistedMessage)], system => new OakJsonSerializer(system))
        .WithCustomSerializer(HyperionName, [typeof(IClusterMessage)], system => new HyperionSerializer(system, HyperionSettings));

    /// <summary>
    /// Hyperion's unsafe-type deny list matches too broadly and rejects our own records, so it is
    /// off; Hyperion only ever reads what cluster members send (never the journal or user input).
    /// </summary>
    public static HyperionSerializerSettings HyperionSettings { get; } = new(
        preserveObjectReferences: true,
        versionTolerance: true,
        knownTypesProvider: typeof(NoKnownTypesProvider),
        packageNameOverrides: [],
        surrogates: [],
        disallowUnsafeType: false);
}

/// <summary>Hyperion needs a provider type; we register no implicit known types.</summary>
public sealed class NoKnownTypesProvider : IKnownTypesProvider
{
    public IEnumerable<Type> GetKnownTypes() => [];
}
