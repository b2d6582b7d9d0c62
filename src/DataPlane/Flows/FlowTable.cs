using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Oakestra.Actors.DataPlane.Packets;
using Oakestra.Actors.DataPlane.Translation;

namespace Oakestra.Actors.DataPlane.Flows;

/// <summary>
/// The 5-tuple flow table: every array is allocated once, in the constructor. Entries live in a fixed
/// array; an open-addressing index (linear probing, backward-shift deletion, load ≤ 1/2) holds two slots
/// per entry, one per key. Idle expiry is per entry: entries sit in one list per timeout class (TCP
/// established, TCP after FIN/RST, UDP, ICMP) ordered by when they were queued. A hit only writes the
/// last-use time in its key's line of the entry (no list surgery, no other cache line touched; the flow's
/// last use is the later of its two keys' <see cref="FlowEntry.Seen"/>); the sweep and the eviction give
/// a head that was used since it was queued a second chance by re-queueing it at the tail (CLOCK-style
/// LRU). A lookup always checks the exact idle time, so a flow is never used past its timeout, it is
/// only reclaimed up to one timeout later. Single-threaded: only the forwarding thread uses it.
/// <para>Entries live in a pinned array, addressed from its first 64-byte boundary, so each entry's hot
/// fields sit in the cache lines <see cref="FlowEntry"/> lays out; the packet path indexes them (and the
/// index and timeout arrays) without bounds checks: every index it uses comes from the table itself.</para>
/// </summary>
internal sealed unsafe class FlowTable
{
    private const int ClassTcpEstablished = 0, ClassTcpClosing = 1, ClassUdp = 2, ClassIcmp = 3, ClassCount = 4;

    private readonly byte[] _storage; // pinned: keeps _entries alive and in place
    private readonly FlowEntry* _entries;
    private readonly int _capacity;
    private readonly int[] _index; // 0 = empty, else SlotValue(entry, keyKind); keyKind 0 = Forward, 1 = Reverse
    private readonly int _mask;
    private readonly long[] _timeout = new long[ClassCount];
    private readonly int[] _head = new int[ClassCount];
    private readonly int[] _tail = new int[ClassCount];
    private readonly DataPlaneCounters _counters;
    private int _free;

    /// <summary>Index slots hold byte offsets into the entry array as int.</summary>
    public const int MaxCapacity = int.MaxValue / FlowEntry.Size - 1;

    public int Count { get; private set; }
    public int Capacity => _capacity;

    public FlowTable(FlowTableOptions options, DataPlaneCounters counters)
    {
        if (options.Capacity < 1) throw new ArgumentOutOfRangeException(nameof(options), "capacity must be positive");
        if (options.Capacity > MaxCapacity) throw new ArgumentOutOfRangeException(nameof(options), $"capacity must be at most {MaxCapacity} flows");
        _counters = counters;
        _capacity = options.Capacity;
        _storage = GC.AllocateArray<byte>(checked(_capacity * FlowEntry.Size + 64), pinned: true);
        nint start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_storage));
        _entries = (FlowEntry*)((start + 63) & ~(nint)63);
        int size = 8;
        while (size < options.Capacity * 4) size <<= 1;
        _index = new int[size];
        _mask = size - 1;
        for (int i = 0; i < _capacity; i++) _entries[i].Next = i + 1 < _capacity ? i + 1 : -1;
        _free = 0;
        Array.Fill(_head, -1);
        Array.Fill(_tail, -1);
        _timeout[ClassTcpEstablished] = Ticks(options.TcpEstablishedIdle);
        _timeout[ClassTcpClosing] = Ticks(options.TcpClosingIdle);
        _timeout[ClassUdp] = Ticks(options.UdpIdle);
        _timeout[ClassIcmp] = Ticks(options.IcmpIdle);
    }

    private static long Ticks(TimeSpan t) => (long)(t.TotalSeconds * Stopwatch.Frequency);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref FlowEntry Entry(int index) => ref _entries[index];

    /// <summary>The live entry with this key (as forward or reverse key), or -1. An expired entry is removed on the way.</summary>
    public int Find(in FlowKey key, ulong hash, long now)
    {
        FlowEntry* entry = Lookup(key, hash, now, FlowKeyKind.Any);
        return entry == null ? -1 : IndexOf(entry);
    }

    /// <summary>
    /// <see cref="Find"/> for the packet path: the entry itself (null when none), so a hit never turns an index
    /// back into an address. An index slot holds the byte offset of the key's line in the entry array, so the
    /// probe goes from slot to key in one addition (see <see cref="SlotValue"/>). <paramref name="kind"/> says
    /// which of an entry's keys may match: a packet from a local instance is only ever a flow's forward
    /// packet, one from the tunnel only its reverse packet (a local instance sending a reply's 5-tuple is
    /// spoofing, and must not skip the sender check by hitting the reverse key).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public FlowEntry* Lookup(in FlowKey key, ulong hash, long now, FlowKeyKind kind)
    {
        int kindMask = kind == FlowKeyKind.Any ? 0 : ReverseBit, kindValue = kind == FlowKeyKind.Reverse ? ReverseBit : 0;
        ref int index = ref MemoryMarshal.GetArrayDataReference(_index);
        int mask = _mask;
        byte* entries = (byte*)_entries;
        int i = (int)hash & mask;
        while (true)
        {
            int slot = Unsafe.Add(ref index, i);
            if (slot == 0) return null;
            // The forward key starts the entry's first line, the reverse key its third: both lines have the
            // same shape (key with the timeout class in its spare byte, then that key's last use).
            byte* line = entries + (slot & LineMask);
            if (((FlowKey*)line)->Equals(key) && (slot & kindMask) == kindValue)
            {
                var entry = (FlowEntry*)(line - (slot & ReverseBit) * (FlowEntry.ReverseLine / ReverseBit));
                long timeout = TimeoutOf(line[FlowKey.SpareByte]);
                // This key's last use is recent enough, or else the flow's (the other key's may be later).
                if (now - *(long*)(line + SeenOffset) > timeout && now - entry->Seen > timeout) return Expired(entry);
                return entry;
            }
            i = (i + 1) & mask;
        }
    }

    // Index slot values: the key line's byte offset in the entry array (a multiple of 64) | ReverseBit for a
    // reverse key | 1 (so no slot value is 0, the empty mark).
    private const int ReverseBit = 2, LineMask = ~63;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SlotValue(int e, int keyKind) => (e * FlowEntry.Size + keyKind * FlowEntry.ReverseLine) | keyKind * ReverseBit | 1;

    private static int EntryOfSlot(int slot) => (slot & LineMask) / FlowEntry.Size;

    /// <summary>Whether a FIN or RST put the entry on the short closing timeout.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsClosing(FlowEntry* entry) => entry->TimeoutClass == ClassTcpClosing;

    /// <summary>Index of an entry <see cref="Lookup"/> returned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int IndexOf(FlowEntry* entry) => (int)(((byte*)entry - (byte*)_entries) / FlowEntry.Size);

    private const int SeenOffset = 40; // FlowEntry: LastSeen - Forward == ReverseLastSeen - Reverse

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long TimeoutOf(byte cls) => Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_timeout), cls & (ClassCount - 1));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private FlowEntry* Expired(FlowEntry* entry)
    {
        Remove(IndexOf(entry));
        _counters.Increment(DataPlaneCounter.FlowExpired);
        return null;
    }

    /// <summary>
    /// Marks the entry used now (through its forward key); a TCP FIN or RST moves it to the short closing timeout, and
    /// a bare SYN on a closing entry moves it back: that is a new connection on the same ports (the kernel reuses a
    /// client port at once when the server closed first), which must not expire 10 s into its first silence.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Touch(int e, byte tcpFlags, long now) => Touch(_entries + e, tcpFlags, now);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Touch(FlowEntry* entry, byte tcpFlags, long now)
    {
        entry->LastSeen = now;
        if ((tcpFlags & (ParsedPacket.TcpFin | ParsedPacket.TcpRst)) != 0 && entry->TimeoutClass == ClassTcpEstablished) Closing(entry, now);
        else if ((tcpFlags & (ParsedPacket.TcpSyn | ParsedPacket.TcpAck)) == ParsedPacket.TcpSyn && entry->TimeoutClass == ClassTcpClosing) Reopened(entry, now);
    }

    /// <summary><see cref="Touch"/> for a packet that matched the reverse key: writes only the reverse key's line.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void TouchReverse(FlowEntry* entry, byte tcpFlags, long now)
    {
        entry->ReverseLastSeen = now;
        if ((tcpFlags & (ParsedPacket.TcpFin | ParsedPacket.TcpRst)) != 0 && entry->ReverseTimeoutClass == ClassTcpEstablished) Closing(entry, now);
        else if ((tcpFlags & (ParsedPacket.TcpSyn | ParsedPacket.TcpAck)) == ParsedPacket.TcpSyn && entry->ReverseTimeoutClass == ClassTcpClosing) Reopened(entry, now);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Closing(FlowEntry* entry, long now)
    {
        int e = IndexOf(entry);
        Unlink(e);
        Append(e, ClassTcpClosing, now);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Reopened(FlowEntry* entry, long now)
    {
        int e = IndexOf(entry);
        Unlink(e);
        Append(e, ClassTcpEstablished, now);
    }

    /// <summary>
    /// Adds a flow under both keys and returns its index. An existing entry holding either key is removed
    /// first (counted as a conflict); when the table is full, expired then longest-idle entries make room.
    /// </summary>
    public int Insert(in FlowKey forward, ulong forwardHash, in FlowKey reverse, ulong reverseHash, byte tcpFlags, long now)
    {
        int existing = Find(forward, forwardHash, now);
        if (existing >= 0) { Remove(existing); _counters.Increment(DataPlaneCounter.FlowConflict); }
        existing = Find(reverse, reverseHash, now);
        if (existing >= 0) { Remove(existing); _counters.Increment(DataPlaneCounter.FlowConflict); }

        if (_free < 0)
        {
            Sweep(now, 8);
            if (_free < 0) EvictOldest();
        }
        int e = _free;
        ref FlowEntry entry = ref _entries[e];
        _free = entry.Next;
        entry = default;
        entry.Forward = forward;
        entry.Reverse = reverse; // the keys first: their spare bytes hold the class copies and ForwardDelta
        entry.InUse = true;
        entry.LastSeen = now;
        entry.ReverseLastSeen = now;
        entry.LearnedPeer = -1;
        entry.CachedInstance = -1;
        entry.CachedSender = -1;
        entry.CachedVersion = long.MinValue;
        int cls = forward.Protocol switch
        {
            TransportProtocol.Tcp => (tcpFlags & (ParsedPacket.TcpFin | ParsedPacket.TcpRst)) != 0 ? ClassTcpClosing : ClassTcpEstablished,
            TransportProtocol.Udp => ClassUdp,
            _ => ClassIcmp,
        };
        Append(e, cls, now);
        AddSlot(forwardHash, SlotValue(e, 0));
        AddSlot(reverseHash, SlotValue(e, 1));
        Count++;
        return e;
    }

    public void Remove(int e)
    {
        ref FlowEntry entry = ref _entries[e];
        if (!entry.InUse) return;
        RemoveSlot(entry.Forward.Hash(), SlotValue(e, 0));
        RemoveSlot(entry.Reverse.Hash(), SlotValue(e, 1));
        Unlink(e);
        entry.InUse = false;
        entry.Next = _free;
        _free = e;
        Count--;
    }

    /// <summary>Removes expired entries, looking at no more than <paramref name="budget"/> heads; returns how many it removed.</summary>
    public int Sweep(long now, int budget)
    {
        int removed = 0, looked = 0;
        for (int cls = 0; cls < ClassCount; cls++)
        {
            while (looked < budget)
            {
                int e = _head[cls];
                // Queued times grow along the list: a head not due means nothing behind it is due.
                if (e < 0 || now - _entries[e].QueuedAt <= _timeout[cls]) break;
                looked++;
                if (now - _entries[e].Seen > _timeout[cls])
                {
                    Remove(e);
                    _counters.Increment(DataPlaneCounter.FlowExpired);
                    removed++;
                }
                else
                {
                    Unlink(e);
                    Append(e, cls, now); // used since it was queued: second chance
                }
            }
        }
        return removed;
    }

    private void EvictOldest()
    {
        // Heads used since they were queued go to the back first (bounded), so the victim is the flow
        // idle the longest among what is left at the heads.
        for (int round = 0; round < 64; round++)
        {
            int victim = -1;
            for (int cls = 0; cls < ClassCount; cls++)
            {
                int e = _head[cls];
                if (e >= 0 && (victim < 0 || _entries[e].Seen < _entries[victim].Seen)) victim = e;
            }
            ref FlowEntry entry = ref _entries[victim];
            if (entry.Seen > entry.QueuedAt && round < 63)
            {
                int cls = entry.TimeoutClass;
                Unlink(victim);
                Append(victim, cls, entry.Seen);
                continue;
            }
            Remove(victim);
            _counters.Increment(DataPlaneCounter.FlowEvicted);
            return;
        }
    }

    private void Append(int e, int cls, long queuedAt)
    {
        ref FlowEntry entry = ref _entries[e];
        entry.QueuedAt = queuedAt;
        entry.TimeoutClass = (byte)cls;
        entry.ReverseTimeoutClass = (byte)cls;
        entry.Next = -1;
        entry.Prev = _tail[cls];
        if (_tail[cls] >= 0) _entries[_tail[cls]].Next = e; else _head[cls] = e;
        _tail[cls] = e;
    }

    private void Unlink(int e)
    {
        ref FlowEntry entry = ref _entries[e];
        int cls = entry.TimeoutClass;
        if (entry.Prev >= 0) _entries[entry.Prev].Next = entry.Next; else _head[cls] = entry.Next;
        if (entry.Next >= 0) _entries[entry.Next].Prev = entry.Prev; else _tail[cls] = entry.Prev;
        entry.Prev = entry.Next = -1;
    }

    private void AddSlot(ulong hash, int value)
    {
        int i = (int)hash & _mask;
        while (_index[i] != 0) i = (i + 1) & _mask;
        _index[i] = value;
    }

    private ulong HashOfSlot(int value)
    {
        ref FlowEntry entry = ref _entries[EntryOfSlot(value)];
        return (value & ReverseBit) == 0 ? entry.Forward.Hash() : entry.Reverse.Hash();
    }

    private void RemoveSlot(ulong hash, int value)
    {
        int i = (int)hash & _mask;
        while (_index[i] != value)
        {
            if (_index[i] == 0) throw new InvalidOperationException("flow index corrupt");
            i = (i + 1) & _mask;
        }
        // Backward-shift deletion: pull later members of the probe run into the hole so lookups never stop early.
        int j = i;
        while (true)
        {
            j = (j + 1) & _mask;
            int slot = _index[j];
            if (slot == 0) break;
            int ideal = (int)HashOfSlot(slot) & _mask;
            bool stays = i <= j ? (i < ideal && ideal <= j) : (i < ideal || ideal <= j);
            if (stays) continue;
            _index[i] = slot;
            i = j;
        }
        _index[i] = 0;
    }
}

/// <summary>Which key of a flow a lookup may match (see <see cref="FlowTable.Lookup"/>).</summary>
internal enum FlowKeyKind : byte
{
    Any,
    Forward,
    Reverse,
}
