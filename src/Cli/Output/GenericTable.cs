using System.Text;
using System.Text.Json.Nodes;

namespace Oakestra.Actors.Cli.Output;

/// <summary>
/// Renders JSON whose shape the CLI does not fix (a worker's route table): arrays of objects become
/// tables with the objects' keys as columns, scalars become "key: value" lines, nested objects recurse.
/// </summary>
public static class GenericTable
{
    public static string Render(JsonNode? node)
    {
        var sb = new StringBuilder();
        Render(sb, null, node);
        return sb.ToString();
    }

    private static void Render(StringBuilder sb, string? title, JsonNode? node)
    {
        switch (node)
        {
            case JsonArray array when array.All(e => e is JsonObject):
                if (title is not null) sb.Append(title).Append(":\n");
                if (array.Count == 0) { sb.Append("(none)\n"); break; }
                var columns = array.OfType<JsonObject>().SelectMany(o => o.Select(p => p.Key)).Distinct().ToArray();
                var table = new Table(columns);
                foreach (var o in array.OfType<JsonObject>())
                    table.Add(columns.Select(c => (object?)Scalar(o[c])).ToArray());
                sb.Append(table);
                break;
            case JsonObject obj:
                if (title is not null) sb.Append(title).Append(":\n");
                var scalars = obj.Where(p => p.Value is not JsonObject && !(p.Value is JsonArray a && a.All(e => e is JsonObject))).ToList();
                foreach (var p in scalars) sb.Append(p.Key).Append(": ").Append(Scalar(p.Value)).Append('\n');
                foreach (var p in obj.Except(scalars)) { sb.Append('\n'); Render(sb, p.Key, p.Value); }
                break;
            default:
                if (title is not null) sb.Append(title).Append(": ");
                sb.Append(Scalar(node)).Append('\n');
                break;
        }
    }

    private static string Scalar(JsonNode? value) => value switch
    {
        null => "-",
        JsonValue v when v.TryGetValue<string>(out var s) => s.Length == 0 ? "-" : s,
        JsonArray a => string.Join(",", a.Select(Scalar)),
        _ => value.ToJsonString(),
    };
}
