using System.Diagnostics;
using System.Runtime.CompilerServices;
using Oakestra.Actors.DataPlane.Forwarding;
using Oakestra.Actors.DataPlane.Translation;

namespace Oakestra.Actors.DataPlane.Misses;

/// <summary>
/// Packets waiting for a route, per destination, in preallocated pinned buffers (one pool shared by all
/// destinations, a FIFO per destination). Each destination is reported once to the owner through an SPSC
/// ring. Used only by the forwarding thread (the ring's read side excepted).
/// </summary>
internal sealed unsafe class MissQueue
{
    private readonly MissQueueOptions _options;
    private readonly DataPlaneCounters _counters;
    private readonly long _timeoutTicks;

    // Destinations
    private readonly UInt128[] _destination;
    private readonly bool[] _used;
    private readonly bool[] _reported;
    private readonly long[] _seenVersion;
    private readonly int[] _first, _last, _count;

    // Buffers
    private readonly byte[] _storage;
    private readonly byte* _base;
    private readonly int[] _length, _next;
    private readonly long[] _enqueuedAt;
    private readonly PacketMeta[] _meta;
    private readonly PacketSource[] _source;
    private int _free;

    public SpscRing<MissReport> Reports { get; }
    public int ActiveDestinations { get; private set; }
    public int SlotCount => _used.Length;

    public MissQueue(MissQueueOptions options, DataPlaneCounters counters)
    {
        if (options.Destinations < 1 || options.PacketsPerDestination < 1 || options.Buffers < 1 || options.MaxPacketBytes < 1)
            throw new ArgumentOutOfRangeException(nameof(options), "miss queue bounds must be positive");
        _options = options;
        _counters = counters;
        _timeoutTicks = (long)(options.Timeout.TotalSeconds * Stopwatch.Frequency);
        int d = options.Destinations;
        _destination = new UInt128[d];
        _used = new bool[d];
        _reported = new bool[d];
        _seenVersion = new long[d];
        _first = new int[d];
        _last = new int[d];
        _count = new int[d];
        int b = options.Buffers;
        _storage = GC.AllocateUninitializedArray<byte>(checked(b * options.MaxPacketBytes), pinned: true);
        _base = (byte*)Unsafe.AsPointer(ref _storage[0]);
        _length = new int[b];
        _next = new int[b];
        _enqueuedAt = new long[b];
        _meta = new PacketMeta[b];
        _source = new PacketSource[b];
        for (int i = 0; i < b; i++) _next[i] = i + 1 < b ? i + 1 : -1;
        _free = 0;
        Reports = new SpscRing<MissReport>(options.ReportCapacity);
    }

    /// <summary>Copies the packet in; returns Queued, or Drop after counting why.</summary>
    public Disposition Enqueue(UInt128 destination, PacketSource source, byte* packet, int length, in PacketMeta meta, long now, long snapshotVersion)
    {
        if (length > _options.MaxPacketBytes) { _counters.Increment(DataPlaneCounter.DropMissTooLarge); return Disposition.Drop; }
        int slot = -1, empty = -1;
        for (int i = 0; i < _used.Length; i++)
        {
            if (_used[i]) { if (_destination[i] == destination) { slot = i; break; } }
            else if (empty < 0) empty = i;
        }
        if (slot < 0)
        {
            if (empty < 0 || _free < 0) { _counters.Increment(DataPlaneCounter.DropMissQueueFull); return Disposition.Drop; }
            slot = empty;
            _used[slot] = true;
            _destination[slot] = destination;
            _reported[slot] = false;
            _seenVersion[slot] = snapshotVersion;
            _first[slot] = _last[slot] = -1;
            _count[slot] = 0;
            ActiveDestinations++;
            Report(slot);
        }
        if (_count[slot] >= _options.PacketsPerDestination || _free < 0)
        {
            _counters.Increment(DataPlaneCounter.DropMissQueueFull);
            return Disposition.Drop;
        }
        int buffer = _free;
        _free = _next[buffer];
        Buffer.MemoryCopy(packet, BufferPointer(buffer), _options.MaxPacketBytes, length);
        _length[buffer] = length;
        _meta[buffer] = meta;
        _source[buffer] = source;
        _enqueuedAt[buffer] = now;
        _next[buffer] = -1;
        if (_last[slot] >= 0) _next[_last[slot]] = buffer; else _first[slot] = buffer;
        _last[slot] = buffer;
        _count[slot]++;
        _counters.Increment(DataPlaneCounter.MissQueued);
        return Disposition.Queued;
    }

    public bool IsUsed(int slot) => _used[slot];
    public UInt128 Destination(int slot) => _destination[slot];

    /// <summary>Sends the report for a slot if it has not gone out yet (the ring may have been full).</summary>
    public void Report(int slot)
    {
        if (_reported[slot]) return;
        if (Reports.TryWrite(new MissReport(_destination[slot], _seenVersion[slot])))
        {
            _reported[slot] = true;
            _counters.Increment(DataPlaneCounter.MissReported);
        }
        else _counters.Increment(DataPlaneCounter.MissReportDeferred);
    }

    /// <summary>Takes the oldest packet of a slot; the caller processes it in place, then calls <see cref="Release"/>.</summary>
    public bool TryDequeue(int slot, out int buffer)
    {
        buffer = _first[slot];
        if (buffer < 0) return false;
        _first[slot] = _next[buffer];
        if (_first[slot] < 0) _last[slot] = -1;
        _count[slot]--;
        return true;
    }

    /// <summary>Drops the packets of a slot that waited longer than the timeout; frees the slot when empty.</summary>
    public void Expire(int slot, long now)
    {
        while (_first[slot] >= 0 && now - _enqueuedAt[_first[slot]] > _timeoutTicks)
        {
            TryDequeue(slot, out int buffer);
            Release(buffer);
            _counters.Increment(DataPlaneCounter.DropMissExpired);
        }
        if (_count[slot] == 0) FreeSlot(slot);
    }

    public byte* BufferPointer(int buffer) => _base + (long)buffer * _options.MaxPacketBytes;
    public int Length(int buffer) => _length[buffer];
    public ref PacketMeta Meta(int buffer) => ref _meta[buffer];
    public PacketSource Source(int buffer) => _source[buffer];

    public void Release(int buffer)
    {
        _next[buffer] = _free;
        _free = buffer;
    }

    public void FreeSlot(int slot)
    {
        if (!_used[slot]) return;
        while (TryDequeue(slot, out int buffer)) Release(buffer);
        _used[slot] = false;
        ActiveDestinations--;
    }
}
