using Oakestra.Actors.Contracts.Protocol;

namespace Oakestra.Actors.WorkerNode.Ports;

/// <summary>
/// The packet path as the control plane sees it. The adapter over the translator and the forwarding
/// loop implements it; every method is cheap and non-blocking (the loop never waits for the actor).
/// </summary>
public interface IDataPlane
{
    /// <summary>Replaces the whole table with one atomic swap. The data plane keeps the last one until the next call.</summary>
    void Publish(DataPlaneTable table);

    /// <summary>Whether this data plane can send to <paramref name="endpoint"/> (the real one needs address:port).</summary>
    bool AcceptsTunnelEndpoint(string endpoint) => true;

    /// <summary>Destinations (Service or Instance IPs) that missed the table since the last call, each once.</summary>
    IReadOnlyList<RouteKey> DrainMisses();

    /// <summary>Destinations (Service or Instance IPs) that carried traffic since the last call, each once.</summary>
    IReadOnlyList<RouteKey> ReadUsage();

    DataPlaneCounters Counters { get; }

    /// <summary>
    /// Every counter the data plane keeps, for `oak table`: flows, misses, each drop reason, packets in/out.
    /// Cheap and non-blocking (reads what the loop wrote). A data plane that only keeps the totals of
    /// <see cref="Counters"/> answers with those (source <c>summary</c>).
    /// </summary>
    NodeCounters ReadCounters()
    {
        var c = Counters;
        return NodeCounters.None("summary") with
        {
            PacketsTranslated = c.PacketsTranslated,
            DroppedTotal = c.PacketsDropped,
            MissesQueued = c.Misses,
            MissesExpired = c.MissQueueDrops,
            TunnelPacketsIn = c.TunnelIn,
            TunnelDatagramsOut = c.TunnelOut,
        };
    }

    /// <summary>
    /// Null while the packet path forwards (its TUN device is open and present, its loop threads run); otherwise what
    /// is wrong, for the worker's readiness check. A data plane without a packet path (inert) has nothing to report.
    /// </summary>
    string? ForwardingProblem => null;

    /// <summary>Measured round-trip times to peers, keyed by tunnel endpoint.</summary>
    IReadOnlyDictionary<string, TimeSpan> PeerRtts { get; }
}

public readonly record struct DataPlaneCounters(
    long PacketsTranslated, long PacketsDropped, long Misses, long MissQueueDrops, long TunnelIn, long TunnelOut);
