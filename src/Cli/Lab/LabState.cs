using System.Text.Json;
using System.Text.Json.Serialization;

namespace Oakestra.Actors.Cli.Lab;

public sealed record LabProcess(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("pid")] int Pid,
    [property: JsonPropertyName("namespace")] string Namespace,
    [property: JsonPropertyName("log")] string Log,
    [property: JsonPropertyName("command")] IReadOnlyList<string> Command);

/// <summary><c>.lab/state.json</c>: what `lab up` made, so that `lab down` can undo exactly that.</summary>
public sealed record LabState(
    [property: JsonPropertyName("prefix")] string Prefix,
    [property: JsonPropertyName("bridge")] string Bridge,
    [property: JsonPropertyName("root_url")] string RootUrl,
    [property: JsonPropertyName("started")] DateTimeOffset Started,
    [property: JsonPropertyName("nodes")] IReadOnlyList<LabNode> Nodes,
    [property: JsonPropertyName("processes")] IReadOnlyList<LabProcess> Processes)
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static LabState? Load(LabPaths paths)
    {
        if (!File.Exists(paths.StateFile)) return null;
        try
        {
            return JsonSerializer.Deserialize<LabState>(File.ReadAllText(paths.StateFile), Options);
        }
        catch (JsonException)
        {
            return null; // a torn file: `lab down` still cleans by prefix
        }
    }

    public void Save(LabPaths paths)
    {
        Directory.CreateDirectory(paths.Dir);
        var tmp = paths.StateFile + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(this, Options));
        File.Move(tmp, paths.StateFile, overwrite: true);
    }
}
