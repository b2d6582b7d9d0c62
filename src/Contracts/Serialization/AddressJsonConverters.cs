using System.Text.Json;
using System.Text.Json.Serialization;
using Oakestra.Actors.Contracts.Addressing;

namespace Oakestra.Actors.Contracts.Serialization;

/// <summary>Addresses and prefixes are written as their usual text ("10.30.0.1", "fdff:2000::1", "10.18.0.64/26").</summary>
public static class AddressJsonConverters
{
    public static readonly IReadOnlyList<JsonConverter> All =
    [
        new TextConverter<Ipv4Address>(Ipv4Address.Parse, a => a.ToString()),
        new TextConverter<Ipv6Address>(Ipv6Address.Parse, a => a.ToString()),
        new TextConverter<Ipv4Prefix>(Ipv4Prefix.Parse, p => p.ToString()),
        new TextConverter<Ipv6Prefix>(Ipv6Prefix.Parse, p => p.ToString()),
    ];

    private sealed class TextConverter<T>(Func<string, T> parse, Func<T, string> format) : JsonConverter<T>
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.GetString() ?? throw new JsonException($"null is not a {typeof(T).Name}");
            try { return parse(text); }
            catch (FormatException e) { throw new JsonException(e.Message, e); }
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(format(value));
    }
}
