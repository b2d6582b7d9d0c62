namespace Oakestra.Actors.DataPlane.Flows;

/// <summary>
/// One recorded flow, reachable by two keys: <see cref="Forward"/> (the packet the local instance sends:
/// its Namespace IP → what it dialled) and <see cref="Reverse"/> (the packet coming back on the wire:
/// target Instance IP → the sender's Instance IP).
/// </summary>
internal struct FlowEntry
{
    public FlowKey Forward;
    public FlowKey Reverse;
    public ulong ForwardHash;
    public ulong ReverseHash;
    /// <summary>The address the local instance dialled: the source its replies must carry.</summary>
    public UInt128 Dialled;
    /// <summary>The Instance IP at the other end (chosen by the policy, or learned from an incoming packet).</summary>
    public UInt128 Target;
    public long LastSeen;
    /// <summary>Peer an incoming (learned) flow arrived from: where replies go while the routes do not know the target.</summary>
    public int LearnedPeer;
    /// <summary>Target's instance index in the snapshot of <see cref="CachedVersion"/> (-1 = not in it).</summary>
    public int CachedInstance;
    public long CachedVersion;
    public int Prev, Next;
    public byte TimeoutClass;
    public bool InUse;
}
