using System.Text;
using System.Text.Json.Serialization;
using Oakestra.Actors.Cli.Output;

namespace Oakestra.Actors.Cli.Lab;

public sealed record ProcessStatus(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("site")] string? Site,
    [property: JsonPropertyName("pid")] int? Pid,
    [property: JsonPropertyName("namespace")] string Namespace,
    [property: JsonPropertyName("addresses")] IReadOnlyList<string> Addresses,
    [property: JsonPropertyName("listens")] IReadOnlyList<string> Listens,
    [property: JsonPropertyName("alive")] bool Alive,
    [property: JsonPropertyName("ended")] string? Ended,
    [property: JsonPropertyName("ended_at")] DateTimeOffset? EndedAt,
    [property: JsonPropertyName("starts")] int Starts,
    [property: JsonPropertyName("log")] string? Log,
    [property: JsonPropertyName("metrics")] string? Metrics = null);

public sealed record DatabaseStatus(
    [property: JsonPropertyName("pid")] int? Pid,
    [property: JsonPropertyName("alive")] bool Alive,
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("connection_string")] string ConnectionString,
    [property: JsonPropertyName("data_dir")] string DataDir,
    [property: JsonPropertyName("log")] string Log);

/// <summary>`oak lab status`: every process the lab has (started or not), its database, and the active cuts.</summary>
public sealed record LabStatus(
    [property: JsonPropertyName("running")] bool Running,
    [property: JsonPropertyName("prefix")] string? Prefix,
    [property: JsonPropertyName("bridge")] string? Bridge,
    [property: JsonPropertyName("topology")] string? Topology,
    [property: JsonPropertyName("root_urls")] IReadOnlyList<string> RootUrls,
    [property: JsonPropertyName("processes")] IReadOnlyList<ProcessStatus> Processes,
    [property: JsonPropertyName("database")] DatabaseStatus? Database,
    [property: JsonPropertyName("cuts")] IReadOnlyList<LabCut> Cuts)
{
    public static LabStatus Read(LabPaths paths)
    {
        var state = LabState.Load(paths);
        if (state is null) return new LabStatus(false, null, null, null, [], [], null, []);
        var https = state.AllRootUrls.Any(u => u.StartsWith("https://", StringComparison.Ordinal));
        var processes = state.Nodes.Select(n =>
        {
            var p = state.Process(n.Name);
            var alive = p is not null && LabProcesses.Runs(p.Pid, p.Command);
            var ended = p is null ? "never started: lab up stopped before it" : alive ? null : LabChaos.Ended(p);
            return new ProcessStatus(n.Name, Role(n.Role), n.Role == LabRole.Root ? null : n.Site, p?.Pid, n.Namespace(state.Prefix),
                [n.Ipv4], Listens(n, https), alive, ended, alive ? null : p?.EndedAt, p?.Starts ?? 0,
                p is null ? null : Path.GetRelativePath(paths.RepoRoot, p.Log), LabLayout.MetricsUrl(n, https));
        }).ToList();
        DatabaseStatus? db = null;
        if (state.Database is { } d)
        {
            var pid = LabPostgres.Pid(paths);
            db = new DatabaseStatus(pid, pid is not null, $"{d.Host}:{d.Port}", d.ConnectionString,
                Path.GetRelativePath(paths.RepoRoot, paths.Postgres), Path.GetRelativePath(paths.RepoRoot, paths.Log(LabPostgres.Log)));
        }
        return new LabStatus(true, state.Prefix, state.Bridge, state.Topology, state.AllRootUrls, processes, db, state.ActiveCuts);
    }

    public static string Role(LabRole r) => r switch
    {
        LabRole.Root => "root",
        LabRole.Orchestrator => "orchestrator",
        _ => "worker",
    };

    private static IReadOnlyList<string> Listens(LabNode n, bool https) => n.Role switch
    {
        LabRole.Root => [LabLayout.Url(n, https), $"akka {n.Ipv4}:{LabLayout.AkkaPort}"],
        LabRole.Orchestrator => [$"akka {n.Ipv4}:{LabLayout.AkkaPort}", $"metrics {LabLayout.MetricsBase(n)}"],
        _ => [$"akka {n.Ipv4}:{LabLayout.AkkaPort}", $"tunnel udp {n.Ipv4}:{LabLayout.TunnelPort}", $"metrics {LabLayout.MetricsBase(n)}"],
    };

    public string Render(DateTimeOffset now)
    {
        if (!Running) return "no lab running\n";
        var sb = new StringBuilder();
        var t = new Table("name", "role", "site", "pid", "namespace", "address", "alive", "ended", "metrics");
        foreach (var p in Processes)
            t.Add(p.Name, p.Role, p.Site, p.Pid, p.Namespace, string.Join(" ", p.Addresses), p.Alive ? "yes" : "no",
                p.Ended is null ? null : p.EndedAt is { } at ? $"{p.Ended} ({Ago.Render(at, now)})" : p.Ended, p.Metrics);
        sb.Append(t);
        if (Database is { } db)
            sb.Append($"\ndatabase: PostgreSQL on {db.Address}, {(db.Alive ? $"pid {db.Pid}" : "NOT RUNNING")}, data in {db.DataDir}, log {db.Log}\n");
        sb.Append('\n');
        if (Cuts.Count == 0) sb.Append("cuts: none\n");
        else
        {
            var c = new Table("cut", "drops traffic between", "and");
            foreach (var cut in Cuts) c.Add($"{cut.A} / {cut.B}", string.Join(" ", cut.ANodes), string.Join(" ", cut.BNodes));
            sb.Append(c);
        }
        return sb.ToString();
    }
}
