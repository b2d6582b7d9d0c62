using System.Collections.Immutable;
using System.Text.Json;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Contracts.Serialization;

namespace Oakestra.Actors.WorkerNode.Memory;

/// <summary>
/// What a worker node remembers across its ActorSystem incarnations and, in its state dir, across process
/// restarts: the services its route table holds (at their versions) and its site's peers. A new incarnation
/// starts from them, so the data plane is given the same table at once (not an empty one) while the control
/// plane catches up by version, also when the orchestrator or the root tier is out of reach. Thread-safe.
/// </summary>
public sealed class NodeMemory
{
    private static readonly JsonSerializerOptions Json = new(OakJsonSerializer.Options) { WriteIndented = false };
    private readonly string? _path;
    private readonly Lock _gate = new();
    private Snapshot _current = Snapshot.Empty;

    private NodeMemory(string? path) => _path = path;

    /// <summary>A memory of this process only (tests, the inert runtime).</summary>
    public static NodeMemory InProcess() => new(null);

    /// <summary>Reads <paramref name="path"/> when it exists; an unreadable file is forgotten (the control plane repairs it).</summary>
    public static NodeMemory At(string path)
    {
        var memory = new NodeMemory(path);
        try
        {
            if (File.Exists(path) && JsonSerializer.Deserialize<Snapshot>(File.ReadAllBytes(path), Json) is { } s)
                memory._current = s with { Services = s.Services ?? [], Peers = s.Peers ?? [] };
        }
        catch (JsonException) { }
        catch (IOException) { }
        return memory;
    }

    public ImmutableDictionary<string, ServiceRoutes> Services
    {
        get { lock (_gate) return _current.Services.ToImmutableDictionary(s => s.ServiceId); }
    }

    public IReadOnlyList<SitePeer> Peers
    {
        get { lock (_gate) return _current.Peers; }
    }

    /// <summary>The version of the last table given to the data plane by this process (so versions keep growing across incarnations).</summary>
    public long TableVersion
    {
        get => Interlocked.Read(ref _tableVersion);
        set => Interlocked.Exchange(ref _tableVersion, value);
    }

    private long _tableVersion;

    public void Remember(IEnumerable<ServiceRoutes> services) => Change(s => s with { Services = services.ToArray() });

    public void Remember(IReadOnlyList<SitePeer> peers) => Change(s => s with { Peers = peers.ToArray() });

    private void Change(Func<Snapshot, Snapshot> change)
    {
        lock (_gate)
        {
            _current = change(_current);
            if (_path is null) return;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_path))!);
            var tmp = _path + ".tmp";
            File.WriteAllBytes(tmp, JsonSerializer.SerializeToUtf8Bytes(_current, Json));
            File.Move(tmp, _path, overwrite: true);
        }
    }

    private sealed record Snapshot(IReadOnlyList<ServiceRoutes> Services, IReadOnlyList<SitePeer> Peers)
    {
        public static readonly Snapshot Empty = new([], []);
    }
}
