using Akka.Actor;
using Newtonsoft.Json;

namespace Oakestra.Actors.Root.Tests.Serialization;

/// <summary>
/// An independent deep comparison for records whose lists have reference equality: Newtonsoft JSON of the
/// runtime types (with $type), actor refs as their path.
/// </summary>
public static class StructuralJson
{
    private static readonly JsonSerializerSettings Settings = new()
    {
        TypeNameHandling = TypeNameHandling.Objects,
        Converters = { new ActorRefAsPath() },
    };

    public static string Of(object o) => JsonConvert.SerializeObject(o, Settings);

    private sealed class ActorRefAsPath : JsonConverter
    {
        public override bool CanConvert(Type objectType) => typeof(IActorRef).IsAssignableFrom(objectType);
        public override void WriteJson(JsonWriter writer, object? value, JsonSerializer serializer) =>
            writer.WriteValue(((IActorRef)value!).Path.ToStringWithoutAddress());
        public override object ReadJson(JsonReader reader, Type objectType, object? existingValue, JsonSerializer serializer) =>
            throw new NotSupportedException();
    }
}
