using Oakestra.Actors.DataPlane.Loop;
using Oakestra.Actors.DataPlane.Native;

namespace Oakestra.Actors.DataPlane.Tunnel;

/// <summary>
/// recvmmsg over preallocated slots, owned by one loop thread. Datagram i lands at
/// <c>slot(i) + Headroom - TunnelHeader.Length</c>, so the inner packet starts at <c>slot(i) + Headroom</c>
/// and a virtio header can be written in front of it without copying.
/// </summary>
internal sealed unsafe class TunnelReceiver : IDisposable
{
    private const int NameSize = 32;
    private readonly NativeBuffer _slots;
    private readonly NativeBuffer _descriptors;
    private readonly MMsgHdr* _msgs;
    private readonly IoVec* _iov;
    private readonly byte* _names;

    public TunnelReceiver(int capacity)
    {
        Capacity = capacity;
        _slots = new NativeBuffer((nuint)(capacity * PacketSlots.SlotSize));
        _descriptors = new NativeBuffer((nuint)(capacity * (sizeof(MMsgHdr) + sizeof(IoVec) + NameSize)));
        _msgs = (MMsgHdr*)_descriptors.Pointer;
        _iov = (IoVec*)(_msgs + capacity);
        _names = (byte*)(_iov + capacity);
        for (var i = 0; i < capacity; i++)
        {
            _iov[i].Base = Datagram(i);
            _iov[i].Length = (nuint)(PacketSlots.SlotSize - PacketSlots.Headroom + TunnelHeader.Length);
            _msgs[i].Header.Iov = &_iov[i];
            _msgs[i].Header.IovLength = 1;
            _msgs[i].Header.Name = _names + i * NameSize;
        }
    }

    public int Capacity { get; }

    public byte* Datagram(int i) => _slots.Pointer + (nint)i * PacketSlots.SlotSize + PacketSlots.Headroom - TunnelHeader.Length;
    public int Length(int i) => (int)_msgs[i].Length;
    public byte* Name(int i) => _names + i * NameSize;
    public uint NameLength(int i) => _msgs[i].Header.NameLength;

    /// <summary>Returns the number of datagrams received, or -errno (-EAGAIN when none).</summary>
    public int Receive(int fd)
    {
        for (var i = 0; i < Capacity; i++)
        {
            _msgs[i].Header.NameLength = NameSize;
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
/// </summary>
internal sealed unsafe class TunnelSender : IDisposable
{
    private const int NameSize = 28;
    private readonly NativeBuffer _descriptors;
    private readonly NativeBuffer _arena;
    private readonly MMsgHdr* _msgs;
    private readonly IoVec* _iov;
    private readonly byte* _names;
    private int _count;
    private int _arenaUsed;

    public TunnelSender(int capacity, int arenaBytes)
    {
        Capacity = capacity;
        _descriptors = new NativeBuffer((nuint)(capacity * (sizeof(MMsgHdr) + sizeof(IoVec) + NameSize)));
        _arena = new NativeBuffer((nuint)arenaBytes);
        _msgs = (MMsgHdr*)_descriptors.Pointer;
        _iov = (IoVec*)(_msgs + capacity);
        _names = (byte*)(_iov + capacity);
        for (var i = 0; i < capacity; i++)
        {
            _msgs[i].Header.Iov = &_iov[i];
            _msgs[i].Header.IovLength = 1;
            _msgs[i].Header.Name = _names + i * NameSize;
        }
    }

    public int Capacity { get; }
    public int Count => _count;
    public bool IsFull => _count == Capacity;

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
    public bool Enqueue(byte* datagram, int length, in PeerKey peer, int family)
    {
        var nameLength = peer.Write(_names + _count * NameSize, family);
        if (nameLength == 0) return false;
        _iov[_count].Base = datagram;
        _iov[_count].Length = (nuint)length;
        _msgs[_count].Header.NameLength = nameLength;
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
            if (n > 0) { sent += n; done += n; continue; }
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
                counters.TunnelSendWouldBlock += _count - done;
                break;
            }
            // The kernel reports an error only for the first datagram of the call: drop it, go on.
            counters.TunnelSendErrors++;
            done++;
        }
        counters.TunnelDatagramsOut += sent;
        _count = 0;
        _arenaUsed = 0;
        return sent;
    }

    public void Dispose()
    {
        _descriptors.Dispose();
        _arena.Dispose();
    }
}
