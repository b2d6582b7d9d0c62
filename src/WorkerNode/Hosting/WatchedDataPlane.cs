using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.WorkerNode.Ports;

namespace Oakestra.Actors.WorkerNode.Hosting;

/// <summary>
/// The process's <see cref="IDataPlane"/> as the worker agent uses it, remembering the last table published and
/// when (one reference write per publish, nothing on the packet path): what the metrics (table version per
/// service) and the readiness check (the table is current) read.
/// </summary>
public sealed class WatchedDataPlane(IDataPlane inner, TimeProvider? clock = null) : IDataPlane
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private volatile Published? _last;

    public sealed record Published(DataPlaneTable Table, DateTimeOffset At);

    /// <summary>The data plane this one passes every call to.</summary>
    public IDataPlane Inner => inner;

    /// <summary>The last table the agent published, and when; null before the first.</summary>
    public Published? Last => _last;

    public void Publish(DataPlaneTable table)
    {
        inner.Publish(table);
        _last = new Published(table, _clock.GetUtcNow());
    }

    public bool AcceptsTunnelEndpoint(string endpoint) => inner.AcceptsTunnelEndpoint(endpoint);
    public IReadOnlyList<RouteKey> DrainMisses() => inner.DrainMisses();
    public IReadOnlyList<RouteKey> ReadUsage() => inner.ReadUsage();
    public DataPlaneCounters Counters => inner.Counters;
    public NodeCounters ReadCounters() => inner.ReadCounters();
    public IReadOnlyDictionary<string, TimeSpan> PeerRtts => inner.PeerRtts;
    public string? ForwardingProblem => inner.ForwardingProblem;
}
