using System.Runtime.Serialization;
using System.Text.Json;
using Akka.Actor;
using Akka.Serialization;
using Oakestra.Actors.Contracts.Messaging;

namespace Oakestra.Actors.Contracts.Serialization;

/// <summary>
/// Journal/snapshot serializer for <see cref="IPersistedMessage"/>: UTF-8 JSON, manifest = the type's
/// <see cref="PersistedAsAttribute"/> name. Unknown properties are ignored and missing ones take their
/// defaults, so a record may gain optional properties (or lose some) and still read old rows.
/// </summary>
public sealed class OakJsonSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int SerializerId = 4711;
    public const string Name = "oak-json";

    public static readonly JsonSerializerOptions Options = CreateOptions();

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => PersistedTypeRegistry.ManifestOf(o.GetType());

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), Options);

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!PersistedTypeRegistry.TryTypeOf(manifest, out var type))
            throw new SerializationException($"no type is registered for persisted manifest '{manifest}'");
        return JsonSerializer.Deserialize(bytes, type, Options)
               ?? throw new SerializationException($"'{manifest}' deserialized to null");
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var o = new JsonSerializerOptions
        {
            PropertyNameCaseInsensitive = true,
            IncludeFields = false,
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowReadingFromString,
        };
        foreach (var c in AddressJsonConverters.All) o.Converters.Add(c);
        o.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter());
        o.MakeReadOnly(populateMissingResolver: true);
        return o;
    }
}
