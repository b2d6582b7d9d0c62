using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.WorkerNode.Ports;

namespace Oakestra.Actors.Nodes.Tests.Metrics;

/// <summary>A data plane whose counters the test sets, as the forwarding one reports them (`oak table`'s names).</summary>
public sealed class CountingDataPlane : IDataPlane
{
    public volatile NodeCounters Current = NodeCounters.None("forwarding");
    public Dictionary<string, TimeSpan> Rtts { get; } = new();

    public void Set(long flows, IReadOnlyDictionary<string, long> all, IReadOnlyDictionary<string, long> drops) =>
        Current = NodeCounters.None("forwarding") with { FlowsActive = flows, All = all, Drops = drops };

    public void Publish(DataPlaneTable table) { }
    public IReadOnlyList<RouteKey> DrainMisses() => [];
    public IReadOnlyList<RouteKey> ReadUsage() => [];
    public DataPlaneCounters Counters => default;
    public NodeCounters ReadCounters() => Current;
    public IReadOnlyDictionary<string, TimeSpan> PeerRtts => Rtts;

    /// <summary>What the real data plane says when its TUN or loop is gone (null: forwarding).</summary>
    public volatile string? Problem;
    public string? ForwardingProblem => Problem;
}
