namespace Oakestra.Actors.DataPlane.Flows;

/// <summary>
/// One recorded flow, reachable by two keys: <see cref="Forward"/> (the packet the local instance sends:
/// its Namespace IP → what it dialled) and <see cref="Reverse"/> (the packet coming back on the wire:
/// target Instance IP → the sender's Instance IP). Fields an outgoing flow hit reads come first, so they
/// share the first two cache lines.
/// </summary>
internal struct FlowEntry
{
    public FlowKey Forward;
    public ulong ForwardHash;
    public long LastSeen;
    /// <summary>Snapshot version in which <see cref="CachedInstance"/> and <see cref="SenderIp"/> were checked.</summary>
    public long CachedVersion;
    /// <summary>Target's instance index in the snapshot of <see cref="CachedVersion"/> (-1 = not in it).</summary>
    public int CachedInstance;
    public byte TimeoutClass;
    public bool InUse;
    /// <summary>The Instance IP at the other end (chosen by the policy, or learned from an incoming packet).</summary>
    public UInt128 Target;
    /// <summary>Instance IP of the local instance whose Namespace IP is the forward key's source.</summary>
    public UInt128 SenderIp;
    /// <summary>The address the local instance dialled: the source its replies must carry.</summary>
    public UInt128 Dialled;
    public FlowKey Reverse;
    public ulong ReverseHash;
    /// <summary>Peer an incoming (learned) flow arrived from: where replies go while the routes do not know the target.</summary>
    public int LearnedPeer;
    /// <summary>When the entry was (re)appended to its class list; the lists are ordered by it.</summary>
    public long QueuedAt;
    public int Prev, Next;
}
