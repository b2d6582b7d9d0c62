using Oakestra.Actors.DataPlane.Loop;
using Oakestra.Actors.DataPlane.Native;

namespace Oakestra.Actors.DataPlane.Tunnel;

/// <summary>
/// recvmmsg over preallocated slots, owned by one loop thread. Datagram i lands at
/// <c>slot(i) + Headroom - TunnelHeader.Length</c>, so the inner packet starts at <c>slot(i) + Headroom</c>
/// and a virtio header can be written in front of it without copying. With UDP_GRO on the socket an entry
/// may hold a run of datagrams from one peer coalesced by the kernel, each <see cref="SegmentSize"/> bytes
/// (the last may be shorter), laid end to end.
/// </summary>
internal sealed unsafe class TunnelReceiver : IDisposable
{
    private const int NameSize = 32;
    /// <summary>CMSG_SPACE(sizeof(int)) with room to spare.</summary>
    private const int ControlSize = 32;
    private readonly NativeBuffer _slots;
    private readonly NativeBuffer _descriptors;
    private readonly MMsgHdr* _msgs;
    private readonly IoVec* _iov;
    private readonly byte* _names;
    private readonly byte* _controls;

    public TunnelReceiver(int capacity)
    {
        Capacity = capacity;
        _slots = new NativeBuffer((nuint)(capacity * PacketSlots.SlotSize));
        _descriptors = new NativeBuffer((nuint)(capacity * (sizeof(MMsgHdr) + sizeof(IoVec) + NameSize + ControlSize)));
        _msgs = (MMsgHdr*)_descriptors.Pointer;
        _iov = (IoVec*)(_msgs + capacity);
        _names = (byte*)(_iov + capacity);
        _controls = _names + capacity * NameSize;
        for (var i = 0; i < capacity; i++)
        {
            _iov[i].Base = Datagram(i);
            _iov[i].Length = (nuint)(PacketSlots.SlotSize - PacketSlots.Headroom + TunnelHeader.Length);
            _msgs[i].Header.Iov = &_iov[i];
            _msgs[i].Header.IovLength = 1;
            _msgs[i].Header.Name = _names + i * NameSize;
            _msgs[i].Header.Control = _controls + i * ControlSize;
        }
    }

    public int Capacity { get; }

    public byte* Datagram(int i) => _slots.Pointer + (nint)i * PacketSlots.SlotSize + PacketSlots.Headroom - TunnelHeader.Length;
    public int Length(int i) => (int)_msgs[i].Length;
    public byte* Name(int i) => _names + i * NameSize;
    public uint NameLength(int i) => _msgs[i].Header.NameLength;

    /// <summary>True when entry i did not fit its slot (MSG_TRUNC): its datagrams are incomplete.</summary>
    public bool Truncated(int i) => (_msgs[i].Header.Flags & Libc.MSG_TRUNC) != 0;

    /// <summary>
    /// Size of each datagram in entry i: the UDP_GRO cmsg's segment size when the kernel coalesced a run, else the
    /// entry's whole length. Never below one tunnel header plus one byte, so a run never splits into more
    /// datagrams than its bytes can hold packets.
    /// </summary>
    public int SegmentSize(int i)
    {
        var length = Length(i);
        ref var header = ref _msgs[i].Header;
        if (header.ControlLength < 20) return length;
        var c = (byte*)header.Control;
        if (*(int*)(c + 8) != Libc.SOL_UDP || *(int*)(c + 12) != Libc.UDP_GRO) return length;
        var size = *(int*)(c + 16);
        return size > TunnelHeader.Length && size < length ? size : length;
    }

    /// <summary>Returns the number of entries received, or -errno (-EAGAIN when none).</summary>
    public int Receive(int fd)
    {
        for (var i = 0; i < Capacity; i++)
        {
            _msgs[i].Header.NameLength = NameSize;
            _msgs[i].Header.ControlLength = ControlSize;
            _msgs[i].Header.Flags = 0;
        }
        var n = Libc.RecvMmsg(fd, _msgs, (uint)Capacity, Libc.MSG_DONTWAIT, null);
        return n >= 0 ? n : -Libc.Errno;
    }

    public void Dispose()
    {
        _slots.Dispose();
        _descriptors.Dispose();
    }
}

/// <summary>
/// sendmmsg batch owned by one loop thread, plus an arena for datagrams built on the way (GSO segments,
/// probe replies, packets emitted by the processor). Entries point either into read slots (valid until the
/// thread's next batch, which only starts after a flush) or into the arena (reset by the flush).
/// An entry may carry a run of equal-sized datagrams to one peer with a UDP_SEGMENT cmsg: the kernel cuts it
/// (UDP GSO), so a TCP super-packet's segments cost one message instead of one each.
/// </summary>
internal sealed unsafe class TunnelSender : IDisposable
{
    private const int NameSize = 28;
    /// <summary>CMSG_SPACE(sizeof(u16)) on LP64: 16-byte cmsghdr + data padded to 8.</summary>
    private const int ControlSize = 24;
    /// <summary>UDP_MAX_SEGMENTS of the kernel: more datagrams in one send is EINVAL.</summary>
    public const int MaxSegments = 64;
    /// <summary>Payload bytes of one segmented send: one UDP packet's worth before the kernel cuts it (IPv4 bound, the tighter).</summary>
    public const int MaxSegmentedBytes = 65_507;
    private readonly NativeBuffer _descriptors;
    private readonly NativeBuffer _arena;
    private readonly MMsgHdr* _msgs;
    private readonly IoVec* _iov;
    private readonly byte* _names;
    private readonly byte* _controls;
    private readonly int* _datagrams;
    private readonly MMsgHdr* _split;
    private readonly IoVec* _splitIov;
    private int _count;
    private int _arenaUsed;

    public TunnelSender(int capacity, int arenaBytes)
    {
        Capacity = capacity;
        _descriptors = new NativeBuffer((nuint)(capacity * (sizeof(MMsgHdr) + sizeof(IoVec) + NameSize + ControlSize + sizeof(int))
            + MaxSegments * (sizeof(MMsgHdr) + sizeof(IoVec))));
        _arena = new NativeBuffer((nuint)arenaBytes);
        _msgs = (MMsgHdr*)_descriptors.Pointer;
        _iov = (IoVec*)(_msgs + capacity);
        _split = (MMsgHdr*)(_iov + capacity);
        _splitIov = (IoVec*)(_split + MaxSegments);
        _controls = (byte*)(_splitIov + MaxSegments);
        _names = _controls + capacity * ControlSize;
        _datagrams = (int*)(_names + capacity * NameSize);
        for (var i = 0; i < capacity; i++)
        {
            _msgs[i].Header.Iov = &_iov[i];
            _msgs[i].Header.IovLength = 1;
            _msgs[i].Header.Name = _names + i * NameSize;
        }
        for (var i = 0; i < MaxSegments; i++)
        {
            _split[i].Header.Iov = &_splitIov[i];
            _split[i].Header.IovLength = 1;
        }
    }

    public int Capacity { get; }
    public int Count => _count;
    public bool IsFull => _count == Capacity;

    /// <summary>False once the kernel refused a segmented send (no UDP GSO here): runs are then queued datagram by datagram.</summary>
    public bool Segments { get; private set; } = true;

    /// <summary>64-byte aligned arena bytes, or null when the arena is full (flush, then retry).</summary>
    public byte* Allocate(int bytes)
    {
        var size = (bytes + 63) & ~63;
        if (_arenaUsed + size > (int)_arena.Size) return null;
        var p = _arena.Pointer + _arenaUsed;
        _arenaUsed += size;
        return p;
    }

    /// <summary>Queues one datagram; the caller flushes first when <see cref="IsFull"/>.</summary>
    public bool Enqueue(byte* datagram, int length, in PeerKey peer, int family) => Enqueue(datagram, length, 0, in peer, family);

    /// <summary>
    /// Queues a run of datagrams of <paramref name="segmentSize"/> bytes each (the last may be shorter) laid end
    /// to end, sent as one message the kernel cuts; at most <see cref="MaxSegments"/> and <see cref="MaxSegmentedBytes"/>.
    /// </summary>
    public bool EnqueueSegmented(byte* run, int length, int segmentSize, in PeerKey peer, int family) =>
        Enqueue(run, length, length > segmentSize ? segmentSize : 0, in peer, family);

    private bool Enqueue(byte* datagram, int length, int segmentSize, in PeerKey peer, int family)
    {
        var nameLength = peer.Write(_names + _count * NameSize, family);
        if (nameLength == 0) return false;
        _iov[_count].Base = datagram;
        _iov[_count].Length = (nuint)length;
        ref var header = ref _msgs[_count].Header;
        header.NameLength = nameLength;
        if (segmentSize == 0)
        {
            header.Control = null;
            header.ControlLength = 0;
            _datagrams[_count] = 1;
        }
        else
        {
            var control = _controls + _count * ControlSize;
            *(nuint*)control = 16 + 2; // CMSG_LEN(2)
            *(int*)(control + 8) = Libc.SOL_UDP;
            *(int*)(control + 12) = Libc.UDP_SEGMENT;
            *(ushort*)(control + 16) = (ushort)segmentSize;
            header.Control = control;
            header.ControlLength = ControlSize;
            _datagrams[_count] = (length + segmentSize - 1) / segmentSize;
        }
        _count++;
        return true;
    }

    /// <summary>Sends everything queued; returns how many datagrams the kernel took and counts the rest.</summary>
    public int Flush(int fd, IoCounters counters)
    {
        int sent = 0, done = 0;
        var retried = false;
        while (done < _count)
        {
            var n = Libc.SendMmsg(fd, _msgs + done, (uint)(_count - done), Libc.MSG_DONTWAIT);
            if (n > 0)
            {
                for (var i = done; i < done + n; i++)
                {
                    sent += _datagrams[i];
                    if (_datagrams[i] > 1) counters.TunnelSegmentedSends++;
                }
                done += n;
                continue;
            }
            var errno = Libc.Errno;
            if (errno == Libc.EINTR) continue;
            if (errno == Libc.EAGAIN)
            {
                if (!retried)
                {
                    // Socket buffer full: wait briefly once for room rather than drop the batch.
                    retried = true;
                    var pfd = new PollFd { Fd = fd, Events = Libc.POLLOUT };
                    Libc.Poll(&pfd, 1, 1);
                    continue;
                }
                for (var i = done; i < _count; i++) counters.TunnelSendWouldBlock += _datagrams[i];
                break;
            }
            if (_msgs[done].Header.Control != null && errno is Libc.EIO or Libc.EINVAL)
            {
                // No UDP GSO on this kernel or route (EIO: the device cannot checksum a GSO packet): this run goes
                // out datagram by datagram, and so does every later one.
                Segments = false;
                counters.TunnelSegmentFallbacks++;
                sent += SendSplit(fd, done, counters);
                done++;
                continue;
            }
            // The kernel reports an error only for the first message of the call: drop it, go on.
            counters.TunnelSendErrors += _datagrams[done];
            done++;
        }
        counters.TunnelDatagramsOut += sent;
        _count = 0;
        _arenaUsed = 0;
        return sent;
    }

    /// <summary>Sends queued run <paramref name="index"/> as separate datagrams; returns how many the kernel took.</summary>
    private int SendSplit(int fd, int index, IoCounters counters)
    {
        ref var run = ref _msgs[index].Header;
        var segmentSize = *(ushort*)((byte*)run.Control + 16);
        var count = _datagrams[index];
        var length = (int)_iov[index].Length;
        for (var i = 0; i < count; i++)
        {
            _splitIov[i].Base = (byte*)_iov[index].Base + i * segmentSize;
            _splitIov[i].Length = (nuint)Math.Min(segmentSize, length - i * segmentSize);
            _split[i].Header.Name = run.Name;
            _split[i].Header.NameLength = run.NameLength;
        }
        var n = Libc.SendMmsg(fd, _split, (uint)count, Libc.MSG_DONTWAIT);
        if (n < 0) n = 0;
        counters.TunnelSendErrors += count - n;
        return n;
    }

    public void Dispose()
    {
        _descriptors.Dispose();
        _arena.Dispose();
    }
}
