using System.Text.Json;
using System.Text.Json.Nodes;

namespace Oakestra.Actors.Cli.Commands;

/// <summary>JSON mode prints exactly one JSON document on stdout; table mode prints the human view.</summary>
public static class Printer
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void Json(CliContext ctx, JsonNode? node) => ctx.Out.WriteLine(node?.ToJsonString(Indented) ?? "null");

    public static void Json<T>(CliContext ctx, T value) => ctx.Out.WriteLine(JsonSerializer.Serialize(value, Api.RootClient.Json));
}
