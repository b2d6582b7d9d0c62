using System.Runtime.InteropServices;

namespace Oakestra.Actors.DataPlane.Flows;

/// <summary>
/// One recorded flow, reachable by two keys: <see cref="Forward"/> (the packet the local instance sends:
/// its Namespace IP → what it dialled) and <see cref="Reverse"/> (the packet coming back on the wire:
/// target Instance IP → the sender's Instance IP).
/// <para>Three 64-byte lines, and the table keeps entries 64-byte aligned: an outgoing hit reads line 0
/// (forward key, idle state, the cached instance indices: the addresses come from the snapshot, which is
/// small and cache-hot), a reply hit line 2 (reverse key, idle state, Dialled) and, to skip the route
/// lookups, line 0's checked version and sender. Each key's line keeps its own last-use time and a copy of
/// the timeout class; the flow's last use is the later of the two. The class bytes live in the keys' unused
/// tail bytes (see <see cref="FlowKey"/>).</para>
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
internal struct FlowEntry
{
    public const int Size = 192, ReverseLine = 128;

    // Line 0: what an outgoing hit reads (and a reply hit's CachedVersion and CachedSender).
    [FieldOffset(0)] public FlowKey Forward;
    [FieldOffset(FlowKey.SpareByte)] public byte TimeoutClass;
    /// <summary>
    /// Folded checksum delta of the forward rewrite (key's addresses → SenderIp, Target), the same for every
    /// packet of the flow: set when the flow is recorded (both never change; a sender that changes identity loses its flows).
    /// </summary>
    [FieldOffset(FlowKey.SpareByte + 1)] public ushort ForwardDelta;
    /// <summary>Last use through the forward key (or insertion).</summary>
    [FieldOffset(40)] public long LastSeen;
    /// <summary>Snapshot version in which <see cref="CachedInstance"/> and <see cref="CachedSender"/> were checked.</summary>
    [FieldOffset(48)] public long CachedVersion;
    /// <summary>Target's instance index in the snapshot of <see cref="CachedVersion"/> (-1 = not in it); its Instance IP of the flow's family is <see cref="Target"/>.</summary>
    [FieldOffset(56)] public int CachedInstance;
    /// <summary>Sender's instance index in the snapshot of <see cref="CachedVersion"/>; its Instance IP of the flow's family is <see cref="SenderIp"/>.</summary>
    [FieldOffset(60)] public int CachedSender;

    // Line 1: cold (new flows, learned flows, re-checks, list upkeep).
    /// <summary>The Instance IP at the other end (chosen by the policy, or learned from an incoming packet).</summary>
    [FieldOffset(64)] public UInt128 Target;
    /// <summary>Instance IP of the local instance whose Namespace IP is the forward key's source.</summary>
    [FieldOffset(80)] public UInt128 SenderIp;
    /// <summary>When the entry was (re)appended to its class list; the lists are ordered by it.</summary>
    [FieldOffset(96)] public long QueuedAt;
    [FieldOffset(104)] public int Prev;
    [FieldOffset(108)] public int Next;
    /// <summary>Peer an incoming (learned) flow arrived from: where replies go while the routes do not know the target.</summary>
    [FieldOffset(112)] public int LearnedPeer;
    [FieldOffset(116)] public bool InUse;

    // Line 2: what a reply hit reads.
    [FieldOffset(ReverseLine)] public FlowKey Reverse;
    [FieldOffset(ReverseLine + FlowKey.SpareByte)] public byte ReverseTimeoutClass;
    /// <summary>Folded checksum delta of the reply rewrite (reverse key's addresses → Dialled, the sender's Namespace IP); see <see cref="ForwardDelta"/>.</summary>
    [FieldOffset(ReverseLine + FlowKey.SpareByte + 1)] public ushort ReverseDelta;
    /// <summary>Last use through the reverse key (or insertion).</summary>
    [FieldOffset(ReverseLine + 40)] public long ReverseLastSeen;
    /// <summary>The address the local instance dialled: the source its replies must carry.</summary>
    [FieldOffset(ReverseLine + 48)] public UInt128 Dialled;

    /// <summary>The flow's last use through either key.</summary>
    public readonly long Seen => Math.Max(LastSeen, ReverseLastSeen);
}
