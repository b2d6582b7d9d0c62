using Oakestra.Actors.Contracts.Protocol;

namespace Oakestra.Actors.WorkerNode.Ports.Inert;

/// <summary>Forwards nothing; keeps the last table so it can be inspected. Until the real loop is wired.</summary>
public sealed class InertDataPlane : IDataPlane
{
    private DataPlaneTable? _table;

    public DataPlaneTable? Table => Volatile.Read(ref _table);

    public void Publish(DataPlaneTable table) => Volatile.Write(ref _table, table);
    public IReadOnlyList<RouteKey> DrainMisses() => [];
    public IReadOnlyList<RouteKey> ReadUsage() => [];
    public DataPlaneCounters Counters => default;
    public NodeCounters ReadCounters() => NodeCounters.None("inert");
    public IReadOnlyDictionary<string, TimeSpan> PeerRtts { get; } = new Dictionary<string, TimeSpan>();
}
