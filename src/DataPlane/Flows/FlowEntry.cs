using System.Runtime.InteropServices;

namespace Oakestra.Actors.DataPlane.Flows;

/// <summary>
/// One recorded flow, reachable by two keys: <see cref="Forward"/> (the packet the local instance sends:
/// its Namespace IP → what it dialled) and <see cref="Reverse"/> (the packet coming back on the wire:
/// target Instance IP → the sender's Instance IP).
/// <para>Three 64-byte lines, and the table keeps entries 64-byte aligned, so a hit touches two lines:
/// an outgoing hit lines 0 and 1 (forward key, idle state, cached route), a reply hit lines 2 and 0
/// (reverse key and the Dialled address, idle state). Everything else (lists, learned peer) is cold.</para>
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
internal struct FlowEntry
{
    public const int Size = 192;

    // Line 0: the forward key and what every hit reads or writes.
    [FieldOffset(0)] public FlowKey Forward;
    [FieldOffset(40)] public ulong ForwardHash;
    [FieldOffset(48)] public long LastSeen;
    [FieldOffset(56)] public byte TimeoutClass;
    [FieldOffset(57)] public bool InUse;

    // Line 1: the route an outgoing hit needs, then the cold list links.
    /// <summary>Snapshot version in which <see cref="CachedInstance"/> and <see cref="SenderIp"/> were checked.</summary>
    [FieldOffset(64)] public long CachedVersion;
    /// <summary>Target's instance index in the snapshot of <see cref="CachedVersion"/> (-1 = not in it).</summary>
    [FieldOffset(72)] public int CachedInstance;
    /// <summary>Peer an incoming (learned) flow arrived from: where replies go while the routes do not know the target.</summary>
    [FieldOffset(76)] public int LearnedPeer;
    /// <summary>The Instance IP at the other end (chosen by the policy, or learned from an incoming packet).</summary>
    [FieldOffset(80)] public UInt128 Target;
    /// <summary>Instance IP of the local instance whose Namespace IP is the forward key's source.</summary>
    [FieldOffset(96)] public UInt128 SenderIp;
    /// <summary>When the entry was (re)appended to its class list; the lists are ordered by it.</summary>
    [FieldOffset(112)] public long QueuedAt;
    [FieldOffset(120)] public int Prev;
    [FieldOffset(124)] public int Next;

    // Line 2: the reverse key and what a reply hit returns.
    [FieldOffset(128)] public FlowKey Reverse;
    [FieldOffset(168)] public ulong ReverseHash;
    /// <summary>The address the local instance dialled: the source its replies must carry.</summary>
    [FieldOffset(176)] public UInt128 Dialled;
}
