using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Oakestra.Actors.DataPlane.Translation;

/// <summary>Everything the translator counts. Names starting with Drop are the drop reasons (one per cause).</summary>
public enum DataPlaneCounter
{
    /// <summary>Packets from the TUN sent on through the tunnel.</summary>
    OutToTunnel,
    /// <summary>Packets written back into the TUN (local-to-local, and everything from the tunnel).</summary>
    InToTun,
    /// <summary>Tunnel packets for an instance that moved away, sent on once to its new node.</summary>
    ForwardedToMovedInstance,
    FlowHit,
    FlowNew,
    FlowLearned,
    FlowEvicted,
    FlowExpired,
    /// <summary>A new flow's reply key equalled an older flow's (same sender port to two Service IPs resolved to one instance): the older one was removed.</summary>
    FlowConflict,
    MissQueued,
    MissReported,
    /// <summary>A miss report could not be enqueued (ring full); it is retried on the next Poll.</summary>
    MissReportDeferred,
    MissFlushed,

    DropTruncated,
    DropMalformed,
    DropFragment,
    DropUnsupportedProtocol,
    DropIcmpNotEcho,
    DropUnsupportedExtension,
    /// <summary>From the TUN with a source that is no local Namespace IP.</summary>
    DropSpoofed,
    /// <summary>From the TUN to an address outside the service ranges (should not be routed to the TUN at all).</summary>
    DropNotService,
    /// <summary>From the tunnel with a source outside the service ranges (not an Instance IP).</summary>
    DropTunnelSourceNotService,
    /// <summary>
    /// From the tunnel with an inner source the routes do not place on the sending peer (another peer's or
    /// this node's Instance IP, a Service IP, or a sender that is no peer of the routes), answering no flow open
    /// with that peer, and without a forwarded-once mark that covers it.
    /// </summary>
    DropSourceNotOnPeer,
    /// <summary>An incoming packet (from the tunnel, or local to local) whose learned flow would have replaced an open flow's forward key: the open flow is kept.</summary>
    DropLearnConflict,
    /// <summary>From the tunnel to an address that is no Instance IP this node knows.</summary>
    DropUnknownDestination,
    /// <summary>From the tunnel for an instance that left this node, when it was already forwarded once.</summary>
    DropAlreadyForwarded,
    /// <summary>An instance lacks an address of the packet's family (e.g. IPv6 packet, IPv4-only target).</summary>
    DropNoAddressForFamily,
    /// <summary>A flow's instance disappeared from the routes (undeployed); the flow is removed.</summary>
    DropFlowTargetGone,
    DropMissQueueFull,
    DropMissTooLarge,
    DropMissExpired,
    /// <summary>A flushed miss still found no route (e.g. a Service IP whose instances all left, a tunnel source the answer did not name).</summary>
    DropMissUnroutable,
}

/// <summary>
/// The translator's counters. Written only by the forwarding thread (plain increments, no interlocked
/// cost), readable from any thread: 64-bit reads are atomic on the 64-bit platforms we run on.
/// </summary>
public sealed class DataPlaneCounters
{
    public static readonly int Count = Enum.GetValues<DataPlaneCounter>().Length;
    private readonly long[] _values = new long[Count];

    public long this[DataPlaneCounter counter] => Volatile.Read(ref _values[(int)counter]);

    // Every DataPlaneCounter value indexes inside _values (sized from the enum): no bounds check needed.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Increment(DataPlaneCounter counter) => Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_values), (int)counter)++;

    /// <summary>Sum of every Drop* counter.</summary>
    public long TotalDropped
    {
        get
        {
            long sum = 0;
            for (var c = DataPlaneCounter.DropTruncated; (int)c < Count; c++) sum += this[c];
            return sum;
        }
    }

    /// <summary>All non-zero counters, for logs and metrics (allocates: owner side only).</summary>
    public IReadOnlyDictionary<DataPlaneCounter, long> Read()
    {
        var result = new Dictionary<DataPlaneCounter, long>();
        foreach (var c in Enum.GetValues<DataPlaneCounter>()) if (this[c] != 0) result[c] = this[c];
        return result;
    }
}
