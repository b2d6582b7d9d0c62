using System.Text.Json;
using System.Text.Json.Serialization;

namespace Oakestra.Actors.Cli.Lab;

/// <summary>
/// One process the lab started. <see cref="Ended"/> says how it stopped when the lab stopped it (`oak lab kill`);
/// null while it is meant to run. <see cref="Starts"/> counts `lab up` and every `oak lab start`.
/// </summary>
public sealed record LabProcess(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("pid")] int Pid,
    [property: JsonPropertyName("namespace")] string Namespace,
    [property: JsonPropertyName("log")] string Log,
    [property: JsonPropertyName("command")] IReadOnlyList<string> Command,
    [property: JsonPropertyName("started_at")] DateTimeOffset? StartedAt = null,
    [property: JsonPropertyName("starts")] int Starts = 1,
    [property: JsonPropertyName("ended")] string? Ended = null,
    [property: JsonPropertyName("ended_at")] DateTimeOffset? EndedAt = null);

/// <summary>Traffic dropped between two sets of lab nodes, as `oak lab cut A B` named them.</summary>
public sealed record LabCut(
    [property: JsonPropertyName("a")] string A,
    [property: JsonPropertyName("b")] string B,
    [property: JsonPropertyName("a_nodes")] IReadOnlyList<string> ANodes,
    [property: JsonPropertyName("b_nodes")] IReadOnlyList<string> BNodes)
{
    public bool Joins(IReadOnlyCollection<string> x, IReadOnlyCollection<string> y) =>
        (ANodes.Order().SequenceEqual(x.Order()) && BNodes.Order().SequenceEqual(y.Order()))
        || (ANodes.Order().SequenceEqual(y.Order()) && BNodes.Order().SequenceEqual(x.Order()));
}

/// <summary><c>.lab/state.json</c>: what `lab up` made, so that `lab down` can undo exactly that and the chaos commands act on it.</summary>
public sealed record LabState(
    [property: JsonPropertyName("prefix")] string Prefix,
    [property: JsonPropertyName("bridge")] string Bridge,
    [property: JsonPropertyName("root_url")] string RootUrl,
    [property: JsonPropertyName("started")] DateTimeOffset Started,
    [property: JsonPropertyName("nodes")] IReadOnlyList<LabNode> Nodes,
    [property: JsonPropertyName("processes")] IReadOnlyList<LabProcess> Processes,
    [property: JsonPropertyName("root_urls")] IReadOnlyList<string>? RootUrls = null,
    [property: JsonPropertyName("topology")] string? Topology = null,
    [property: JsonPropertyName("database")] LabDatabase? Database = null,
    [property: JsonPropertyName("cuts")] IReadOnlyList<LabCut>? Cuts = null)
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public IReadOnlyList<string> AllRootUrls => RootUrls is { Count: > 0 } urls ? urls : [RootUrl];
    public IReadOnlyList<LabCut> ActiveCuts => Cuts ?? [];
    public LabProcess? Process(string name) => Processes.FirstOrDefault(p => p.Name == name);
    public LabState With(LabProcess changed) => this with { Processes = Processes.Select(p => p.Name == changed.Name ? changed : p).ToList() };

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

    /// <summary>
    /// Reads, changes and writes the state under an exclusive lock (<c>.lab/state.lock</c>), so two chaos commands
    /// run at once (a test kills w1 while another starts w2) never write over each other's change.
    /// </summary>
    public static LabState Update(LabPaths paths, Func<LabState, LabState> change)
    {
        using var held = Lock(paths);
        var state = Load(paths) ?? throw new Api.CliFailure("no lab running (.lab/state.json is missing); `oak lab up` first");
        var next = change(state);
        next.Save(paths);
        return next;
    }

    public static IDisposable Lock(LabPaths paths)
    {
        Directory.CreateDirectory(paths.Dir);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                return new FileStream(paths.StateLock, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
        }
    }
}
