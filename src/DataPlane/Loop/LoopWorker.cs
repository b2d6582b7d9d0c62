using System.Diagnostics;
using System.Runtime.CompilerServices;
using Oakestra.Actors.DataPlane.Forwarding;
using Oakestra.Actors.DataPlane.Native;
using Oakestra.Actors.DataPlane.Tun;
using Oakestra.Actors.DataPlane.Tunnel;

namespace Oakestra.Actors.DataPlane.Loop;

/// <summary>
/// Everything one loop thread owns: read slots, the TUN write queue, the tunnel batches, its counters.
/// The packet path (<see cref="Run"/> and below) allocates nothing and takes no lock: buffers are native,
/// queues are preallocated, the peer table is read through one volatile reference.
/// </summary>
internal sealed unsafe class LoopWorker<TProcessor> : IDisposable where TProcessor : class, IPacketProcessor
{
    private struct TunWrite
    {
        public byte* Packet;
        public int Length;
        public PacketMeta Meta;
    }

    private readonly TProcessor _processor;
    private readonly TunDevice? _tun;            // read by this thread when _readsTun
    private readonly TunDevice? _tunOut;         // written by this thread
    private readonly UdpTunnel? _tunnel;
    private readonly bool _sealed;
    // This thread's AEAD objects by peer index; replaced when the peer's session changes (a key change, never per packet).
    private SessionCipher?[] _ciphers = [];
    private readonly bool _readsTun;
    private readonly bool _readsTunnel;
    private readonly bool _pollsProcessor;
    private readonly int _batch;
    private readonly long _pollIntervalTicks;
    private readonly long _probeIntervalTicks;
    private readonly int _pollTimeoutMs;

    private readonly NativeBuffer? _tunSlots;
    private readonly TunnelReceiver? _rx;
    private readonly TunnelSender? _tx;
    private readonly TunWrite[] _tunWrites;
    private readonly TcpCoalescer? _coalescer;
    private int _tunWriteCount;
    private readonly NativeBuffer _tunArena;
    private int _tunArenaUsed;
    private readonly NativeBuffer _pollFds;
    private int _pollFdCount;

    private readonly TunIo _tunIo;
    private readonly RingTuning _tuning;
    private bool _fixedFile;
    private bool _linkedReads;
    private bool _tunPollArmed;
    private int _readsPending;
    private readonly int[] _idleSlots;
    private int _idleCount;
    private bool _fixedBuffers;
    private readonly bool _allowMultishot;
    private IoUring? _ring;
    private int _ringOutstanding;
    private readonly int[] _heldSlots;
    private int _heldCount;
    private const ulong TagWrite = 1UL << 62;
    private const ulong TagLinked = 1UL << 58;
    private const ulong TagTunPoll = 1UL << 57;
    private const ulong TagPoll = 1UL << 61;
    private const ulong TagCancel = 1UL << 60;
    private const ulong TagMultishot = 1UL << 59;
    private NativeBuffer? _bufferRing;
    private uint _bufferMask;
    private ushort _bufferTail;
    private bool _buffersDirty;
    private bool _multishot;
    private bool _multishotDelivered;

    private long _nextPoll;
    private long _nextProbe;
    private long _allocatedBytes;
    private readonly Func<bool> _stopping;

    public LoopWorker(TProcessor processor, TunDevice? tun, UdpTunnel? tunnel, bool readsTun, bool readsTunnel, bool pollsProcessor,
        ForwardingLoopOptions options, Func<bool> stopping)
    {
        _processor = processor;
        _tunOut = tun;
        _tun = readsTun ? tun : null;
        _tunnel = tunnel;
        _sealed = tunnel is { Sealed: true };
        _readsTun = readsTun && tun != null;
        _readsTunnel = readsTunnel && tunnel != null;
        _pollsProcessor = pollsProcessor;
        _stopping = stopping;
        _batch = options.BatchSize;
        _pollIntervalTicks = (long)(options.PollInterval.TotalSeconds * Stopwatch.Frequency);
        _pollTimeoutMs = Math.Max(1, (int)options.PollInterval.TotalMilliseconds);
        _probeIntervalTicks = tunnel is null ? long.MaxValue : (long)(tunnel.Options.ProbeInterval.TotalSeconds * Stopwatch.Frequency);

        if (_readsTun) _tunSlots = new NativeBuffer((nuint)(_batch * PacketSlots.SlotSize));
        if (_readsTunnel) _rx = new TunnelReceiver(_batch);
        if (_readsTunnel && tun is { Offload: true }) _coalescer = new TcpCoalescer();
        if (tunnel != null) _tx = new TunnelSender(Math.Max(_batch * 2, 128), options.ArenaBytes);
        _tunWrites = new TunWrite[Math.Max(_batch * 2, 128)];
        _heldSlots = new int[_batch];
        _idleSlots = new int[_batch];
        _tunIo = options.TunIo;
        _tuning = options.RingTuning;
        _allowMultishot = options.MultishotRead;
        _tunArena = new NativeBuffer((nuint)options.ArenaBytes);
        _pollFds = new NativeBuffer((nuint)(2 * sizeof(PollFd)));
        var fds = (PollFd*)_pollFds.Pointer;
        if (_readsTun) fds[_pollFdCount++] = new PollFd { Fd = tun!.Fd, Events = Libc.POLLIN };
        if (_readsTunnel) fds[_pollFdCount++] = new PollFd { Fd = tunnel!.Fd, Events = Libc.POLLIN };
    }

    public IoCounters Counters { get; } = new();

    /// <summary>GC.GetAllocatedBytesForCurrentThread of the loop thread, sampled after every iteration.</summary>
    public long AllocatedBytes => Volatile.Read(ref _allocatedBytes);

    /// <summary>Kernel thread id of the loop thread (0 until it runs): /proc/self/task/{id} for CPU accounting.</summary>
    public int NativeThreadId => Volatile.Read(ref _nativeThreadId);
    private int _nativeThreadId;

    public void Run()
    {
        Volatile.Write(ref _nativeThreadId, Libc.GetTid());
        if (_readsTun && _tunIo != TunIo.Syscalls)
        {
            try
            {
                // Created here: the ring belongs to the thread that drives it.
                var entries = 8u;
                while (entries < 2 * _batch + 4) entries <<= 1;
                _ring = (_tuning & RingTuning.TaskRun) != 0
                    ? IoUring.CreateForOwnerThread(entries, IoUring.SetupSingleIssuer | IoUring.SetupDeferTaskrun | IoUring.SetupCoopTaskrun)
                    : new IoUring(entries);
            }
            catch (IOException) when (_tunIo == TunIo.Auto)
            {
                _ring = null;
            }
            if (_ring != null)
            {
                try { RunUring(_ring); }
                finally { DrainAndClose(_ring); }
                return;
            }
        }
        RunSyscalls();
    }

    /// <summary>True when the TUN is driven through io_uring (known once the thread has started).</summary>
    public bool UsesIoUring => Volatile.Read(ref _ring) != null;

    /// <summary>True when the io_uring path reads the TUN with one multishot read over provided buffers.</summary>
    public bool UsesMultishot => _multishot;

    /// <summary>The io_uring refinements in effect (setup flags the kernel took, fixed file/buffers); for reports.</summary>
    public string RingDescription => _ring is not { } r ? "none" :
        $"setup flags 0x{r.SetupFlags:x}, registered ring fd {r.RingFdRegistered}, fixed file {_fixedFile}, fixed buffers {_fixedBuffers}, writes linked to the next read {_linkedReads}";

    private void RunSyscalls()
    {
        var now = Stopwatch.GetTimestamp();
        _nextPoll = now + _pollIntervalTicks;
        _nextProbe = now; // probe at once so RTTs exist soon after start
        while (!_stopping())
        {
            var drained = true;
            var work = 0;
            if (_readsTun)
            {
                var n = ServiceTun();
                work += n;
                drained &= n < _batch;
            }
            if (_readsTunnel)
            {
                var n = ServiceTunnel();
                work += n;
                drained &= n < _batch;
            }
            now = Stopwatch.GetTimestamp();
            PollAndProbe(now, work);
            Volatile.Write(ref _allocatedBytes, GC.GetAllocatedBytesForCurrentThread());
            if (drained && _pollFdCount > 0)
            {
                Libc.Poll((PollFd*)_pollFds.Pointer, (nuint)_pollFdCount, _pollTimeoutMs);
            }
            else if (_pollFdCount == 0)
            {
                Thread.Sleep(_pollTimeoutMs);
            }
        }
    }

    private byte* TunSlot(int slot) => _tunSlots!.Pointer + (nint)slot * PacketSlots.SlotSize + PacketSlots.Headroom;

    private void ArmRead(IoUring ring, int slot)
    {
        var vnet = _tun!.VnetHeaderLength;
        var sqe = ring.GetSqe();
        ring.PrepareReadWrite(sqe, _fixedBuffers ? IoUring.OpReadFixed : IoUring.OpRead, TunRingFd, TunSlot(slot) - vnet, PacketSlots.PacketCapacity + vnet, (ulong)slot);
        sqe->Flags |= FixedFileFlag; // buf_index 0 (zeroed) when fixed
        _readsPending++;
        // RWF_NOWAIT: an empty TUN completes the read -EAGAIN at once (the slot then idles behind the one readiness
        // poll) instead of arming a poll per read, which would wake every armed slot for each packet.
        sqe->OpFlags = IoUring.RwfNoWait;
        _ringOutstanding++;
    }

    private void PrepareTunWrite(IoUring ring, byte* buffer, int length, ulong userData, byte link = 0)
    {
        var sqe = ring.GetSqe();
        if (_fixedBuffers) IoUring.PrepareWriteFixed(sqe, buffer, length, userData);
        else
        {
            ring.PrepareReadWrite(sqe, IoUring.OpWrite, TunRingFd, buffer, length, userData);
            sqe->Flags |= FixedFileFlag;
        }
        if (link != 0)
        {
            // Linked writes post a CQE only when they fail (IOSQE_CQE_SKIP_SUCCESS): one completion per packet, not two.
            sqe->Flags |= (byte)(link | IoUring.SqeCqeSkipSuccess);
            Counters.TunPacketsOut++;
        }
        else _ringOutstanding++;
    }

    /// <summary>The TUN as this ring names it: fixed file 0 once registered (no fget/fput per request), else its fd.</summary>
    private int TunRingFd => _fixedFile ? 0 : _tunOut!.Fd;
    private byte FixedFileFlag => _fixedFile ? IoUring.SqeFixedFile : (byte)0;

    /// <summary>One-shot readiness poll on the TUN while some slot is idle: one waiter, not one armed read per slot.</summary>
    private void ArmTunPoll(IoUring ring)
    {
        var sqe = ring.GetSqe();
        ring.PreparePoll(sqe, TunRingFd, Libc.POLLIN, TagTunPoll);
        sqe->Flags |= FixedFileFlag;
        _tunPollArmed = true;
        _ringOutstanding++;
    }

    private void ArmPoll(IoUring ring)
    {
        ring.PreparePoll(ring.GetSqe(), _tunnel!.Fd, Libc.POLLIN, TagPoll);
        _ringOutstanding++;
    }

    private void ArmMultishot(IoUring ring)
    {
        ring.PrepareReadMultishot(ring.GetSqe(), TunRingFd, 0, TagMultishot, _fixedFile);
        _ringOutstanding++;
    }

    /// <summary>
    /// Sets up one multishot read over a provided-buffer ring whose buffers are the slots: one armed request
    /// for the whole TUN instead of one per slot (no re-arm per packet, no herd of pollers woken per packet).
    /// </summary>
    private bool TrySetUpMultishot(IoUring ring)
    {
        var entries = 1u;
        while (entries < (uint)_batch) entries <<= 1;
        _bufferRing = new NativeBuffer(entries * 16, 4096);
        if (!ring.TryRegisterBufferRing(_bufferRing.Pointer, entries, 0))
        {
            _bufferRing.Dispose();
            _bufferRing = null;
            return false;
        }
        _bufferMask = entries - 1;
        for (var slot = 0; slot < _batch; slot++) ProvideBuffer(slot);
        PublishBuffers();
        return true;
    }

    private void ProvideBuffer(int slot)
    {
        var vnet = _tun!.VnetHeaderLength;
        var entry = _bufferRing!.Pointer + (nint)((_bufferTail & _bufferMask) * 16);
        *(ulong*)entry = (ulong)(TunSlot(slot) - vnet);
        *(uint*)(entry + 8) = (uint)(PacketSlots.PacketCapacity + vnet);
        *(ushort*)(entry + 12) = (ushort)slot;
        _bufferTail++;
        _buffersDirty = true;
    }

    private void PublishBuffers()
    {
        if (!_buffersDirty) return;
        Volatile.Write(ref *(ushort*)(_bufferRing!.Pointer + 14), _bufferTail); // tail lives in entry 0's reserved field
        _buffersDirty = false;
    }

    /// <summary>The slot's packet is done with: give it back to the kernel for the next read.</summary>
    private void ReleaseSlot(IoUring ring, int slot)
    {
        if (_multishot) ProvideBuffer(slot);
        else ArmRead(ring, slot);
    }

    /// <summary>
    /// The io_uring variant of the loop: a multishot read over provided buffers (or, on kernels without it,
    /// one read in flight per slot); each iteration submits what the previous one prepared and waits for
    /// completions in one io_uring_enter. The tunnel socket (when this thread serves it) is watched by a
    /// POLL_ADD in the same ring and drained with recvmmsg.
    /// </summary>
    private void RunUring(IoUring ring)
    {
        var tun = _tun!;
        var vnet = tun.VnetHeaderLength;
        var timeoutNs = Math.Max(100_000L, (long)(_pollIntervalTicks * (1e9 / Stopwatch.Frequency)));
        if ((_tuning & RingTuning.RegisteredRing) != 0) ring.TryRegisterRingFd();
        _fixedFile = (_tuning & RingTuning.FixedFile) != 0 && ring.TryRegisterFile(tun.Fd);
        _fixedBuffers = _fixedFile && (_tuning & RingTuning.FixedBuffers) != 0 && ring.TryRegisterBuffer(_tunSlots!.Pointer, _tunSlots.Size);
        _multishot = _allowMultishot && TrySetUpMultishot(ring);
        _linkedReads = !_multishot && (_tuning & RingTuning.LinkedReads) != 0;
        if (_multishot) ArmMultishot(ring);
        else for (var slot = 0; slot < _batch; slot++) _idleSlots[_idleCount++] = slot; // read once the TUN is readable
        if (_readsTunnel) ArmPoll(ring);
        var now = Stopwatch.GetTimestamp();
        _nextPoll = now + _pollIntervalTicks;
        _nextProbe = now;
        while (!_stopping())
        {
            // Per-slot reads are RWF_NOWAIT: each completes within this enter (a packet or -EAGAIN), never waiting for
            // traffic, so waiting for all of them adds no latency. It matters with DEFER_TASKRUN, which otherwise
            // returns after a capped run of task work (about 20 linked reads) and splits a big batch over enters.
            var waitFor = _multishot ? 1u : (uint)Math.Max(1, _readsPending);
            if (!ring.SubmitAndWait(waitFor, timeoutNs, out _)) { Counters.TunReadErrors++; Thread.Sleep(1); }
            var ready = ring.Ready(out var head);
            var work = 0;
            var tunnelReady = false;
            var rearmMultishot = false;
            for (var i = 0; i < ready; i++)
            {
                var cqe = ring.At(head, i);
                var userData = cqe->UserData;
                var result = cqe->Result;
                int slot;
                if (userData == TagMultishot)
                {
                    if ((cqe->Flags & IoUring.CqeFlagMore) == 0) { _ringOutstanding--; rearmMultishot = true; }
                    if (result < 0)
                    {
                        if (!_multishotDelivered && result is -22 or -95) // EINVAL/EOPNOTSUPP: kernel without multishot read
                        {
                            _multishot = false;
                            _linkedReads = (_tuning & RingTuning.LinkedReads) != 0;
                            rearmMultishot = false;
                            for (var s2 = 0; s2 < _batch; s2++) _idleSlots[_idleCount++] = s2;
                        }
                        else if (result != -IoUring.ENOBUFS && result != -Libc.EAGAIN && result != -Libc.EINTR) Counters.TunReadErrors++;
                        continue;
                    }
                    if ((cqe->Flags & IoUring.CqeFlagBuffer) == 0) { Counters.TunReadErrors++; continue; }
                    _multishotDelivered = true;
                    slot = (int)(cqe->Flags >> 16);
                }
                else
                {
                    if ((userData & TagLinked) != 0)
                    {
                        // Only failed linked writes complete (never counted as outstanding); the linked read completes -ECANCELED and idles its slot.
                        Counters.TunPacketsOut--;
                        Counters.TunWriteErrors++;
                        continue;
                    }
                    _ringOutstanding--;
                    if (userData == TagPoll) { tunnelReady = true; continue; }
                    if (userData == TagTunPoll)
                    {
                        // The TUN is readable: every idle slot reads (those that find nothing go idle again).
                        _tunPollArmed = false;
                        if (result < 0 && result != -IoUring.ECANCELED) Counters.TunReadErrors++;
                        while (_idleCount > 0) ArmRead(ring, _idleSlots[--_idleCount]);
                        continue;
                    }
                    slot = (int)(userData & 0xFFFF);
                    if ((userData & TagWrite) != 0)
                    {
                        if (result < 0) Counters.TunWriteErrors++;
                        else Counters.TunPacketsOut++;
                        ReleaseSlot(ring, slot);
                        continue;
                    }
                    _readsPending--;
                    if (result < 0)
                    {
                        // Nothing to read (RWF_NOWAIT), or the write this read was linked to failed: idle until the
                        // readiness poll fires, so an empty TUN costs no spinning.
                        if (result != -Libc.EAGAIN && result != -Libc.EINTR && result != -IoUring.ECANCELED) Counters.TunReadErrors++;
                        _idleSlots[_idleCount++] = slot;
                        continue;
                    }
                }
                work++;
                Counters.TunPacketsIn++;
                var packet = TunSlot(slot);
                var length = result - vnet;
                if (length <= 0) { Counters.TunRunts++; ReleaseSlot(ring, slot); continue; }
                if (result == PacketSlots.PacketCapacity + vnet) { Counters.TunTruncated++; ReleaseSlot(ring, slot); continue; }
                var meta = default(PacketMeta);
                meta.PeerIndex = -1;
                if (vnet != 0) VirtioNetHeader.Decode(packet - vnet, ref meta);
                var disposition = _processor.Process(PacketSource.Tun, packet, length, ref meta);
                if (disposition == Disposition.ToTun && (tun.Offload || meta.GsoType == VirtioNetHeader.GsoNone))
                {
                    // Straight back into the TUN from the slot, queued in the ring with the next submit.
                    if (vnet != 0) VirtioNetHeader.Encode(packet - vnet, vnet, meta);
                    if (_linkedReads)
                    {
                        // The write completes inline (TUN writes do not block), so the linked read reuses the slot within the same enter.
                        PrepareTunWrite(ring, packet - vnet, length + vnet, (ulong)(uint)slot | TagWrite | TagLinked, IoUring.SqeIoLink);
                        ArmRead(ring, slot);
                    }
                    else PrepareTunWrite(ring, packet - vnet, length + vnet, (ulong)(uint)slot | TagWrite);
                    continue;
                }
                Dispatch(disposition, packet, length, ref meta, copy: false);
                if (disposition is Disposition.ToTun or Disposition.ToTunnel) _heldSlots[_heldCount++] = slot; // referenced until Flush
                else ReleaseSlot(ring, slot);
            }
            ring.Advance(ready);
            if (work > 0) Counters.Batches++;
            Flush();
            for (var i = 0; i < _heldCount; i++) ReleaseSlot(ring, _heldSlots[i]);
            _heldCount = 0;
            if (tunnelReady)
            {
                while (ServiceTunnel() == _batch) { }
                ArmPoll(ring);
            }
            now = Stopwatch.GetTimestamp();
            PollAndProbe(now, work);
            if (_multishot)
            {
                PublishBuffers();
                if (rearmMultishot) ArmMultishot(ring);
            }
            else if (_idleCount > 0 && !_tunPollArmed) ArmTunPoll(ring);
            Volatile.Write(ref _allocatedBytes, GC.GetAllocatedBytesForCurrentThread());
        }
    }

    /// <summary>Cancels the reads still in flight and waits for their completions, so no request outlives the slots.</summary>
    private void DrainAndClose(IoUring ring)
    {
        try
        {
            var sqe = ring.GetSqe();
            if (sqe != null) ring.PrepareCancelAll(sqe, TagCancel);
            var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
            while (_ringOutstanding > 0 && Stopwatch.GetTimestamp() < deadline)
            {
                ring.SubmitAndWait(1, 10_000_000, out _);
                var ready = ring.Ready(out var head);
                for (var i = 0; i < ready; i++)
                {
                    var cqe = ring.At(head, i);
                    if (cqe->UserData == TagCancel) continue;
                    if ((cqe->UserData & TagLinked) != 0) continue; // a failed linked write: never counted as outstanding
                    if (cqe->UserData == TagMultishot && (cqe->Flags & IoUring.CqeFlagMore) != 0) continue;
                    _ringOutstanding--;
                }
                ring.Advance(ready);
            }
        }
        finally
        {
            ring.Dispose();
        }
    }

    private int ServiceTun()
    {
        var tun = _tun!;
        var vnet = tun.VnetHeaderLength;
        var capacity = PacketSlots.PacketCapacity + vnet;
        var n = 0;
        for (; n < _batch; n++)
        {
            var packet = _tunSlots!.Pointer + (nint)n * PacketSlots.SlotSize + PacketSlots.Headroom;
            var r = tun.Read(packet - vnet, capacity);
            if (r < 0)
            {
                if (r != -Libc.EAGAIN && r != -Libc.EINTR) Counters.TunReadErrors++;
                break;
            }
            Counters.TunPacketsIn++;
            var length = r - vnet;
            if (length <= 0) { Counters.TunRunts++; continue; }
            if (r == capacity) { Counters.TunTruncated++; continue; }
            var meta = default(PacketMeta);
            meta.PeerIndex = -1;
            if (vnet != 0) VirtioNetHeader.Decode(packet - vnet, ref meta);
            var disposition = _processor.Process(PacketSource.Tun, packet, length, ref meta);
            Dispatch(disposition, packet, length, ref meta, copy: false);
        }
        if (n > 0)
        {
            Counters.Batches++;
            Flush();
        }
        return n;
    }

    private int ServiceTunnel()
    {
        var rx = _rx!;
        var r = rx.Receive(_tunnel!.Fd);
        if (r <= 0)
        {
            if (r < 0 && r != -Libc.EAGAIN && r != -Libc.EINTR) Counters.TunnelReceiveErrors++;
            return 0;
        }
        var peers = _tunnel.Peers;
        for (var i = 0; i < r; i++)
        {
            var entry = rx.Datagram(i);
            var length = rx.Length(i);
            var size = Math.Max(1, rx.SegmentSize(i));
            var count = Math.Max(1, (length + size - 1) / size);
            Counters.TunnelDatagramsIn += count;
            if (count > 1) Counters.TunnelCoalescedReceives++;
            if (rx.Truncated(i)) { Counters.TunnelBadHeader += count; continue; }
            if (!PeerKey.TryRead(rx.Name(i), rx.NameLength(i), out var from)) { Counters.TunnelUnknownPeer += count; continue; }
            var peer = peers.IndexOf(from);
            if (peer < 0) { Counters.TunnelUnknownPeer += count; continue; }
            for (var offset = 0; offset < length || offset == 0; offset += size)
                ReceiveDatagram(peers, peer, entry + offset, Math.Min(size, length - offset));
        }
        WriteOpenRuns();
        Counters.Batches++;
        Flush();
        return r;
    }

    /// <summary>One tunnel datagram from a known peer: opened, checked, handed to the processor (data) or answered (probes).</summary>
    private void ReceiveDatagram(PeerTable peers, int peer, byte* datagram, int length)
    {
        if (!TunnelHeader.IsCurrent(datagram, length)) { Counters.TunnelBadHeader++; return; }
        if (_sealed && !Open(peers, peer, datagram, ref length)) return;
        if (!_sealed && TunnelHeader.IsSealed(datagram)) { Counters.TunnelBadHeader++; return; } // a sealing peer, security off here
        if (!TunnelHeader.TryReadType(datagram, length, out var type)) { Counters.TunnelBadHeader++; return; }
        switch (type)
        {
            case TunnelMessageType.Data:
                {
                    var meta = default(PacketMeta);
                    TunnelHeader.ReadData(datagram, ref meta);
                    meta.PeerIndex = peer;
                    var packet = datagram + TunnelHeader.Length;
                    var packetLength = length - TunnelHeader.Length;
                    if (packetLength <= 0) { Counters.TunnelBadHeader++; break; }
                    Counters.TunnelPacketsIn++;
                    // The peer's offload fields would reach the kernel as they stand (an offloading TUN takes them): checked first.
                    if (!GsoSegmenter.IsSafeFromNetwork(packet, packetLength, ref meta))
                    {
                        Counters.GsoMalformed++;
                        break;
                    }
                    var disposition = _processor.Process(PacketSource.Tunnel, packet, packetLength, ref meta);
                    if (disposition == Disposition.ToTun && _coalescer != null) EnqueueTunCoalescing(packet, packetLength, ref meta);
                    else Dispatch(disposition, packet, packetLength, ref meta, copy: false);
                    break;
                }
            case TunnelMessageType.RttProbe:
                {
                    var reply = AllocateTxEntry(TunnelHeader.ProbeLength + SessionCipher.TagLength);
                    TunnelHeader.WriteProbe(reply, TunnelMessageType.RttReply, TunnelHeader.ReadTimestamp(datagram));
                    var replyLength = TunnelHeader.ProbeLength;
                    if (!Seal(peers, peer, reply, ref replyLength)) break;
                    _tx!.Enqueue(reply, replyLength, peers.Key(peer), _tunnel!.Family);
                    Counters.ProbesAnswered++;
                    break;
                }
            case TunnelMessageType.RttReply:
                peers.States[peer]?.OnReply(Stopwatch.GetTimestamp(), TunnelHeader.ReadTimestamp(datagram));
                Counters.ProbeRepliesReceived++;
                break;
        }
    }

    /// <summary>
    /// A tunnel packet for the TUN, with coalescing on: an in-order TCP segment joins its flow's open run (see
    /// <see cref="TcpCoalescer"/>); anything else of that flow first closes the run, so nothing overtakes it.
    /// </summary>
    private void EnqueueTunCoalescing(byte* packet, int length, ref PacketMeta meta)
    {
        var c = _coalescer!;
        var open = c.FindFlow(packet, length);
        if (meta.GsoType != VirtioNetHeader.GsoNone || !TcpCoalescer.TryParse(packet, length, meta.NeedsChecksum, out var segment))
        {
            if (open >= 0) WriteRun(open);
            EnqueueTun(packet, length, ref meta, copy: false);
            return;
        }
        if (open >= 0)
        {
            if (c.TryAppend(open, packet, segment))
            {
                if (c.Ended(open)) WriteRun(open);
                return;
            }
            WriteRun(open);
        }
        if (segment.Psh) { EnqueueTun(packet, length, ref meta, copy: false); return; } // nothing may follow it
        if (c.Start(packet, length, segment) >= 0) return;
        WriteOpenRuns();
        FlushTun(); // frees the slots of written runs
        if (c.Start(packet, length, segment) < 0) EnqueueTun(packet, length, ref meta, copy: false);
    }

    private void WriteRun(int run)
    {
        // Room in the write queue first: a flush between Finish and the queueing would free the run's slot unwritten.
        if (_tunWriteCount == _tunWrites.Length) FlushTun();
        var packet = _coalescer!.Finish(run, out var length, out var segments, out var meta);
        if (segments > 1)
        {
            Counters.TunCoalescedWrites++;
            Counters.TunCoalescedSegments += segments;
        }
        AddTunWrite(packet, length, meta);
    }

    private void WriteOpenRuns()
    {
        if (_coalescer is null) return;
        int run;
        while ((run = _coalescer.AnyOpen()) >= 0) WriteRun(run);
    }

    /// <summary>After a batch (or when idle long enough): let the processor flush and expire queued packets, and probe peers' RTT.</summary>
    private void PollAndProbe(long now, int work)
    {
        if (_pollsProcessor && (work > 0 || now >= _nextPoll))
        {
            var sink = new Sink(this);
            _processor.Poll(now, ref sink);
            Counters.ProcessorPolls++;
            Flush();
            _nextPoll = now + _pollIntervalTicks;
        }
        if (_readsTunnel && now >= _nextProbe)
        {
            SendProbes(now);
            _nextProbe = now + _probeIntervalTicks;
        }
    }

    private void SendProbes(long now)
    {
        var peers = _tunnel!.Peers;
        for (var i = 0; i < peers.Count; i++)
        {
            if (!peers.IsPresent(i)) continue;
            var probe = AllocateTxEntry(TunnelHeader.ProbeLength + SessionCipher.TagLength);
            TunnelHeader.WriteProbe(probe, TunnelMessageType.RttProbe, now);
            var probeLength = TunnelHeader.ProbeLength;
            if (!Seal(peers, i, probe, ref probeLength)) continue;
            if (_tx!.Enqueue(probe, probeLength, peers.Key(i), _tunnel.Family)) Counters.ProbesSent++;
        }
        FlushTunnel();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Dispatch(Disposition disposition, byte* packet, int length, ref PacketMeta meta, bool copy)
    {
        switch (disposition)
        {
            case Disposition.ToTun: EnqueueTun(packet, length, ref meta, copy); break;
            case Disposition.ToTunnel: EnqueueTunnel(packet, length, ref meta, copy); break;
            case Disposition.Drop: Counters.ProcessorDrops++; break;
            case Disposition.Queued: Counters.ProcessorQueued++; break;
            default: Counters.UnknownDisposition++; break;
        }
    }

    private void EnqueueTun(byte* packet, int length, ref PacketMeta meta, bool copy)
    {
        var tun = _tunOut;
        if (tun is null) { Counters.UnknownDisposition++; return; }
        if (!tun.Offload && meta.GsoType != VirtioNetHeader.GsoNone)
        {
            // A GSO packet for a TUN that cannot take one: segment it here.
            if (!GsoSegmenter.TryPlan(packet, length, meta, out var plan)) { Counters.GsoMalformed++; return; }
            for (var i = 0; i < plan.Count; i++)
            {
                var segment = AllocateTun(plan.MaxSegmentLength);
                var segmentLength = GsoSegmenter.WriteSegment(packet, length, plan, i, segment);
                AddTunWrite(segment, segmentLength, default);
            }
            Counters.GsoSegmented++;
            return;
        }
        if (copy)
        {
            var target = AllocateTun(length);
            Buffer.MemoryCopy(packet, target, length, length);
            packet = target;
        }
        if (!tun.Offload && meta.NeedsChecksum && !GsoSegmenter.CompleteChecksum(packet, length, meta)) { Counters.GsoMalformed++; return; }
        AddTunWrite(packet, length, meta);
    }

    private void AddTunWrite(byte* packet, int length, in PacketMeta meta)
    {
        if (_tunWriteCount == _tunWrites.Length) FlushTun();
        ref var w = ref _tunWrites[_tunWriteCount++];
        w.Packet = packet;
        w.Length = length;
        w.Meta = meta;
    }

    private void EnqueueTunnel(byte* packet, int length, ref PacketMeta meta, bool copy)
    {
        if (_tx is null) { Counters.NoTunnel++; return; }
        var peers = _tunnel!.Peers;
        if (!peers.IsPresent(meta.PeerIndex)) { Counters.BadPeerIndex++; return; }
        ref readonly var key = ref peers.Key(meta.PeerIndex);
        if (meta.GsoType != VirtioNetHeader.GsoNone)
        {
            if (!GsoSegmenter.TryPlan(packet, length, meta, out var plan)) { Counters.GsoMalformed++; return; }
            if (_tx.Segments && plan.Count > 1) SendSegmented(packet, length, in plan, ref meta, in key);
            else
            {
                for (var i = 0; i < plan.Count; i++)
                {
                    var datagram = AllocateTxEntry(TunnelHeader.Length + plan.MaxSegmentLength + SessionCipher.TagLength);
                    var segmentLength = GsoSegmenter.WriteSegment(packet, length, plan, i, datagram + TunnelHeader.Length, partialChecksum: true);
                    TunnelHeader.WritePartialData(datagram, meta.TunnelFlags, plan.IpHeaderLength, 16);
                    var datagramLength = TunnelHeader.Length + segmentLength;
                    if (!Seal(peers, meta.PeerIndex, datagram, ref datagramLength)) return;
                    _tx.Enqueue(datagram, datagramLength, key, _tunnel.Family);
                }
            }
            Counters.GsoSegmented++;
            return;
        }
        if (copy)
        {
            var target = AllocateTxEntry(TunnelHeader.Length + length + SessionCipher.TagLength) + TunnelHeader.Length;
            Buffer.MemoryCopy(packet, target, length, length);
            packet = target;
        }
        var carried = meta;
        // A partial checksum the receiver will take as it stands (its rule, GsoSegmenter.IsSafeFromNetwork) goes partial; any other is completed here.
        if (meta.NeedsChecksum && GsoSegmenter.IsSafeFromNetwork(packet, length, ref carried))
            TunnelHeader.WritePartialData(packet - TunnelHeader.Length, meta.TunnelFlags, carried.ChecksumStart, carried.ChecksumOffset);
        else
        {
            if (meta.NeedsChecksum && !GsoSegmenter.CompleteChecksum(packet, length, meta)) { Counters.GsoMalformed++; return; }
            TunnelHeader.WritePlainData(packet - TunnelHeader.Length, meta.TunnelFlags);
        }
        // In place: the slot (or arena entry) has room for the tag behind the packet (see PacketSlots).
        var sealedLength = length + TunnelHeader.Length;
        if (!Seal(peers, meta.PeerIndex, packet - TunnelHeader.Length, ref sealedLength)) return;
        if (_tx.IsFull) FlushTunnel();
        if (!_tx.Enqueue(packet - TunnelHeader.Length, sealedLength, key, _tunnel.Family)) Counters.BadPeerIndex++;
    }

    /// <summary>
    /// The segments of one TCP super-packet as runs of datagrams laid end to end, each datagram (tunnel header,
    /// segment, tag) a full stride but the plan's last, each run one UDP GSO send of at most
    /// <see cref="TunnelSender.MaxSegments"/> datagrams and one UDP packet's worth of bytes.
    /// </summary>
    private void SendSegmented(byte* packet, int length, in GsoSegmenter.Plan plan, ref PacketMeta meta, in PeerKey key)
    {
        var peers = _tunnel!.Peers;
        var stride = TunnelHeader.Length + plan.MaxSegmentLength + (_sealed ? SessionCipher.TagLength : 0);
        var perRun = Math.Max(1, Math.Min(TunnelSender.MaxSegments, TunnelSender.MaxSegmentedBytes / stride));
        for (var first = 0; first < plan.Count; first += perRun)
        {
            var count = Math.Min(perRun, plan.Count - first);
            var run = AllocateTxEntry(count * stride);
            var runLength = 0;
            for (var i = first; i < first + count; i++)
            {
                var datagram = run + runLength;
                var datagramLength = TunnelHeader.Length + GsoSegmenter.WriteSegment(packet, length, plan, i, datagram + TunnelHeader.Length, partialChecksum: true);
                TunnelHeader.WritePartialData(datagram, meta.TunnelFlags, plan.IpHeaderLength, 16);
                if (!Seal(peers, meta.PeerIndex, datagram, ref datagramLength)) return;
                runLength += datagramLength;
            }
            _tx!.EnqueueSegmented(run, runLength, stride, key, _tunnel.Family);
        }
    }

    /// <summary>
    /// With security on, seals a datagram whose header is final and whose payload ends at
    /// <paramref name="length"/>, and grows <paramref name="length"/> by the tag; false (counted) when the
    /// peer's key has not arrived. A no-op with security off.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Seal(PeerTable peers, int peer, byte* datagram, ref int length)
    {
        if (!_sealed) return true;
        var cipher = CipherFor(peers, peer);
        if (cipher is null) { Counters.TunnelNoKey++; return false; }
        TunnelHeader.MarkSealed(datagram);
        if (!cipher.Seal(datagram, length - TunnelHeader.Length)) { Counters.TunnelSendErrors++; return false; }
        length += SessionCipher.TagLength;
        return true;
    }

    /// <summary>Opens a sealed datagram in place and shrinks <paramref name="length"/> by the tag; false (counted) for anything that does not open.</summary>
    private bool Open(PeerTable peers, int peer, byte* datagram, ref int length)
    {
        var cipher = TunnelHeader.IsSealed(datagram) ? CipherFor(peers, peer) : null;
        var result = cipher is null ? OpenResult.AuthFailed : cipher.Open(datagram, length);
        switch (result)
        {
            case OpenResult.Ok: length -= SessionCipher.TagLength; return true;
            case OpenResult.Replayed: Counters.TunnelReplayed++; return false;
            default: Counters.TunnelAuthFailed++; return false;
        }
    }

    private SessionCipher? CipherFor(PeerTable peers, int peer)
    {
        var session = peers.Sessions[peer];
        if (session is null) return null;
        var ciphers = _ciphers;
        if ((uint)peer < (uint)ciphers.Length && ciphers[peer] is { } cached && ReferenceEquals(cached.Session, session)) return cached;
        return NewCipher(peers, peer, session);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private SessionCipher NewCipher(PeerTable peers, int peer, PeerSession session)
    {
        if ((uint)peer >= (uint)_ciphers.Length) Array.Resize(ref _ciphers, Math.Max(peers.Count, peer + 1));
        _ciphers[peer]?.Dispose();
        return _ciphers[peer] = new SessionCipher(session);
    }

    /// <summary>
    /// Arena bytes for one datagram about to be queued, with a queue slot free for it: a flush for a full
    /// queue must come before the allocation, since the flush hands the arena out again from its start.
    /// (Flushing between the two made the next datagram overwrite this one: sealed, the copy arrived as a replay.)
    /// </summary>
    private byte* AllocateTxEntry(int bytes)
    {
        if (_tx!.IsFull) FlushTunnel();
        return AllocateTx(bytes);
    }

    private byte* AllocateTx(int bytes)
    {
        var p = _tx!.Allocate(bytes);
        if (p != null) return p;
        FlushTunnel();
        return _tx.Allocate(bytes);
    }

    /// <summary>Arena bytes with headroom in front, so a virtio header fits before the packet.</summary>
    private byte* AllocateTun(int bytes)
    {
        var size = (bytes + PacketSlots.Headroom + 63) & ~63;
        if (_tunArenaUsed + size > (int)_tunArena.Size) FlushTun();
        var p = _tunArena.Pointer + _tunArenaUsed + PacketSlots.Headroom;
        _tunArenaUsed += size;
        return p;
    }

    private void Flush()
    {
        if (_tunWriteCount > 0) FlushTun();
        if (_tx is { Count: > 0 }) FlushTunnel();
    }

    private void FlushTunnel() => _tx!.Flush(_tunnel!.Fd, Counters);

    private void FlushTun()
    {
        var tun = _tunOut!;
        var vnet = tun.VnetHeaderLength;
        for (var i = 0; i < _tunWriteCount; i++)
        {
            ref var w = ref _tunWrites[i];
            if (vnet != 0) VirtioNetHeader.Encode(w.Packet - vnet, vnet, w.Meta);
            var r = tun.Write(w.Packet - vnet, w.Length + vnet);
            if (r < 0) Counters.TunWriteErrors++;
            else Counters.TunPacketsOut++;
        }
        _tunWriteCount = 0;
        _tunArenaUsed = 0;
        _coalescer?.ReleaseWritten();
    }

    /// <summary>Receives packets the processor releases from its queue during Poll; copies them, since its buffers are its own.</summary>
    private readonly struct Sink : IPacketSink
    {
        private readonly LoopWorker<TProcessor> _worker;
        public Sink(LoopWorker<TProcessor> worker) => _worker = worker;

        public void Emit(Disposition where, byte* packet, int length, in PacketMeta meta)
        {
            _worker.Counters.ProcessorEmits++;
            var copy = meta;
            _worker.Dispatch(where, packet, length, ref copy, copy: true);
        }
    }

    public void Dispose()
    {
        _tunSlots?.Dispose();
        _bufferRing?.Dispose();
        _rx?.Dispose();
        _coalescer?.Dispose();
        _tx?.Dispose();
        _tunArena.Dispose();
        _pollFds.Dispose();
        foreach (var c in _ciphers) c?.Dispose();
    }
}
