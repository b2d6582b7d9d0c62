using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Oakestra.Actors.DataPlane.Native;

/// <summary>
/// A minimal io_uring (raw syscalls and the shared rings, no liburing): enough to keep TUN reads and writes
/// in flight and to submit a whole batch and wait for completions with one syscall. Owned and driven by one
/// thread. Layouts follow include/uapi/linux/io_uring.h.
/// </summary>
internal sealed unsafe partial class IoUring : IDisposable
{
    public const byte OpPollAdd = 6;
    public const byte OpRead = 22;
    public const byte OpWrite = 23;

    private const long SysIoUringSetup = 425;
    private const long SysIoUringEnter = 426;
    private const uint FeatSingleMmap = 1;
    private const uint FeatExtArg = 1 << 8;
    private const uint EnterGetEvents = 1;
    private const uint EnterExtArg = 8;
    private const long OffSqRing = 0;
    private const long OffCqRing = 0x8000000;
    private const long OffSqes = 0x10000000;
    private const int ETIME = 62;
    private const int EBUSY = 16;
    public const byte OpAsyncCancel = 14;
    public const uint AsyncCancelAny = 1 << 2;

    private readonly int _fd;
    private int _enterFd;
    private uint _enterFlags;
    private readonly byte* _sqRing;
    private readonly nuint _sqRingSize;
    private readonly byte* _cqRing;
    private readonly nuint _cqRingSize;
    private readonly Sqe* _sqes;
    private readonly nuint _sqesSize;
    private readonly uint* _sqTail;
    private readonly uint* _sqHead;
    private readonly uint _sqMask;
    private readonly uint* _cqHead;
    private readonly uint* _cqTail;
    private readonly uint _cqMask;
    private readonly Cqe* _cqes;
    private uint _localTail;
    private uint _submittedTail;
    private bool _disposed;
    private bool _filesRegistered;
    private bool _buffersRegistered;

    [StructLayout(LayoutKind.Sequential, Size = 64)]
    public struct Sqe
    {
        public byte Opcode;
        public byte Flags;
        public ushort IoPrio;
        public int Fd;
        public ulong Offset;
        public ulong Address;
        public uint Length;
        public uint OpFlags;
        public ulong UserData;
        public ushort BufferGroup;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Cqe
    {
        public ulong UserData;
        public int Result;
        public uint Flags;
    }

    public const byte OpReadMultishot = 49;
    public const byte SqeBufferSelect = 1 << 5;
    public const uint CqeFlagBuffer = 1;
    public const uint CqeFlagMore = 2;
    public const int ENOBUFS = 105;
    private const long SysIoUringRegister = 427;
    private const uint RegisterPbufRing = 22;

    // Setup flags.
    public const uint SetupCoopTaskrun = 1 << 8;
    public const uint SetupSingleIssuer = 1 << 12;
    public const uint SetupDeferTaskrun = 1 << 13;
    // Opcodes, SQE flags and per-request flags.
    public const byte OpReadFixed = 4;
    public const byte OpWriteFixed = 5;
    public const byte SqeFixedFile = 1;
    public const byte SqeIoLink = 1 << 2;
    public const byte SqeCqeSkipSuccess = 1 << 6;
    public const uint RwfNoWait = 8;
    public const int ECANCELED = 125;
    // io_uring_register opcodes and the enter flag for a registered ring fd.
    private const uint RegisterBuffers = 0;
    private const uint UnregisterBuffers = 1;
    private const uint RegisterFiles = 2;
    private const uint UnregisterFiles = 3;
    private const uint RegisterRingFds = 20;
    private const uint EnterRegisteredRing = 1 << 4;

    /// <summary>
    /// Creates a ring with the cheapest task-work mode the kernel offers: SINGLE_ISSUER | DEFER_TASKRUN (6.1+;
    /// completions are produced only while the owner waits in io_uring_enter, no signal-style task-work
    /// interrupts), else COOP_TASKRUN (5.19+), else none. Must be called on the thread that will drive it.
    /// </summary>
    public static IoUring CreateForOwnerThread(uint entries, uint preferredFlags)
    {
        foreach (var flags in new[] { preferredFlags, preferredFlags & ~(SetupSingleIssuer | SetupDeferTaskrun), 0u })
        {
            try { return new IoUring(entries, flags); }
            catch (IOException) when (flags != 0) { }
        }
        throw new UnreachableException();
    }

    public bool RingFdRegistered => _enterFlags != 0;

    /// <summary>The setup flags the kernel accepted.</summary>
    public uint SetupFlags { get; }

    public IoUring(uint entries, uint setupFlags = 0)
    {
        var p = stackalloc byte[120];
        new Span<byte>(p, 120).Clear();
        *(uint*)(p + 8) = setupFlags;
        var fd = (int)Syscall(SysIoUringSetup, entries, (long)p, 0, 0, 0, 0);
        if (fd < 0) throw new IOException($"io_uring_setup failed: errno {Libc.Errno}");
        _fd = fd;
        _enterFd = fd;
        SetupFlags = setupFlags;
        try
        {
            var sqEntries = *(uint*)p;
            var cqEntries = *(uint*)(p + 4);
            var features = *(uint*)(p + 20);
            if ((features & FeatExtArg) == 0 || (features & FeatSingleMmap) == 0) throw new IOException("io_uring lacks EXT_ARG/SINGLE_MMAP (kernel < 5.11)");
            uint sqArrayOff = *(uint*)(p + 64), cqesOff = *(uint*)(p + 100);
            _sqRingSize = sqArrayOff + sqEntries * 4;
            _cqRingSize = cqesOff + cqEntries * (uint)sizeof(Cqe);
            var ringSize = Math.Max(_sqRingSize, _cqRingSize);
            _sqRingSize = _cqRingSize = ringSize;
            _sqRing = Map(ringSize, fd, OffSqRing);
            _cqRing = _sqRing;
            _sqesSize = sqEntries * (uint)sizeof(Sqe);
            _sqes = (Sqe*)Map(_sqesSize, fd, OffSqes);

            _sqHead = (uint*)(_sqRing + *(uint*)(p + 40));
            _sqTail = (uint*)(_sqRing + *(uint*)(p + 44));
            _sqMask = *(uint*)(_sqRing + *(uint*)(p + 48));
            var array = (uint*)(_sqRing + sqArrayOff);
            for (uint i = 0; i < sqEntries; i++) array[i] = i; // identity: SQE i is always slot i of the array
            _cqHead = (uint*)(_cqRing + *(uint*)(p + 80));
            _cqTail = (uint*)(_cqRing + *(uint*)(p + 84));
            _cqMask = *(uint*)(_cqRing + *(uint*)(p + 88));
            _cqes = (Cqe*)(_cqRing + cqesOff);
            SqEntries = sqEntries;
            _localTail = _submittedTail = Volatile.Read(ref *_sqTail);
        }
        catch
        {
            Libc.Close(fd);
            throw;
        }
    }

    public uint SqEntries { get; }

    /// <summary>Next free SQE (zeroed), or null when the submission queue is full.</summary>
    public Sqe* GetSqe()
    {
        var head = Volatile.Read(ref *_sqHead);
        if (_localTail - head >= SqEntries) return null;
        var sqe = _sqes + (_localTail & _sqMask);
        *sqe = default;
        _localTail++;
        return sqe;
    }

    public void PrepareReadWrite(Sqe* sqe, byte op, int fd, byte* buffer, int length, ulong userData)
    {
        sqe->Opcode = op;
        sqe->Fd = fd;
        sqe->Address = (ulong)buffer;
        sqe->Length = (uint)length;
        sqe->UserData = userData;
    }

    /// <summary>
    /// Registers a provided-buffer ring (IORING_REGISTER_PBUF_RING, Linux 5.19+) of <paramref name="entries"/>
    /// 16-byte entries at page-aligned <paramref name="ring"/>. False when the kernel refuses.
    /// </summary>
    public bool TryRegisterBufferRing(byte* ring, uint entries, ushort group)
    {
        var reg = stackalloc ulong[5];
        new Span<ulong>(reg, 5).Clear();
        reg[0] = (ulong)ring;
        *(uint*)(reg + 1) = entries;
        *((ushort*)(reg + 1) + 2) = group;
        return Syscall(SysIoUringRegister, _fd, RegisterPbufRing, (long)reg, 1, 0, 0) == 0;
    }

    /// <summary>
    /// Registers the ring's own fd (IORING_REGISTER_RING_FDS, 5.18+) so io_uring_enter skips the fd table
    /// lookup and reference count. False when the kernel refuses (the plain fd keeps working).
    /// </summary>
    public bool TryRegisterRingFd()
    {
        var update = stackalloc uint[4];
        update[0] = uint.MaxValue; // offset: any free slot
        update[1] = 0;
        *(ulong*)(update + 2) = (ulong)_fd;
        if (Syscall(SysIoUringRegister, _fd, RegisterRingFds, (long)update, 1, 0, 0) != 1) return false;
        _enterFd = (int)update[0];
        _enterFlags = EnterRegisteredRing;
        return true;
    }

    /// <summary>Registers <paramref name="fd"/> as fixed file 0 (IOSQE_FIXED_FILE: no fget/fput per request).</summary>
    public bool TryRegisterFile(int fd)
    {
        var fds = stackalloc int[1];
        fds[0] = fd;
        return _filesRegistered = Syscall(SysIoUringRegister, _fd, RegisterFiles, (long)fds, 1, 0, 0) == 0;
    }

    /// <summary>Registers one fixed buffer (index 0) over [buffer, buffer+length): its pages are pinned once, not per write.</summary>
    public bool TryRegisterBuffer(byte* buffer, nuint length)
    {
        var iov = stackalloc IoVec[1];
        iov[0] = new IoVec { Base = buffer, Length = length };
        return _buffersRegistered = Syscall(SysIoUringRegister, _fd, RegisterBuffers, (long)iov, 1, 0, 0) == 0;
    }

    /// <summary>A write of fixed buffer 0 to fixed file 0 (both registered above).</summary>
    public static void PrepareWriteFixed(Sqe* sqe, byte* buffer, int length, ulong userData)
    {
        sqe->Opcode = OpWriteFixed;
        sqe->Flags = SqeFixedFile;
        sqe->Fd = 0;
        sqe->Address = (ulong)buffer;
        sqe->Length = (uint)length;
        sqe->UserData = userData;
        sqe->BufferGroup = 0; // buf_index shares the field
    }

    /// <summary>One read request that stays armed and completes once per packet into buffers of <paramref name="group"/> (Linux 6.7+).</summary>
    public void PrepareReadMultishot(Sqe* sqe, int fd, ushort group, ulong userData, bool fixedFile = false)
    {
        sqe->Opcode = OpReadMultishot;
        sqe->Flags = (byte)(SqeBufferSelect | (fixedFile ? SqeFixedFile : 0));
        sqe->Fd = fd;
        sqe->BufferGroup = group;
        sqe->UserData = userData;
    }

    /// <summary>Cancels every request in flight (IORING_ASYNC_CANCEL_ANY, Linux 5.19+).</summary>
    public void PrepareCancelAll(Sqe* sqe, ulong userData)
    {
        sqe->Opcode = OpAsyncCancel;
        sqe->Fd = -1;
        sqe->OpFlags = AsyncCancelAny;
        sqe->UserData = userData;
    }

    public void PreparePoll(Sqe* sqe, int fd, short events, ulong userData)
    {
        sqe->Opcode = OpPollAdd;
        sqe->Fd = fd;
        sqe->OpFlags = (ushort)events;
        sqe->UserData = userData;
    }

    /// <summary>
    /// Submits every prepared SQE and waits until at least <paramref name="waitFor"/> completions are ready or
    /// <paramref name="timeoutNs"/> passed. Returns false on an unexpected error (errno in <paramref name="errno"/>).
    /// </summary>
    public bool SubmitAndWait(uint waitFor, long timeoutNs, out int errno)
    {
        var toSubmit = _localTail - _submittedTail;
        Volatile.Write(ref *_sqTail, _localTail);
        var ts = stackalloc long[2];
        ts[0] = timeoutNs / 1_000_000_000;
        ts[1] = timeoutNs % 1_000_000_000;
        var arg = stackalloc ulong[3];
        arg[0] = 0; // no signal mask
        arg[1] = 0;
        arg[2] = (ulong)ts;
        var flags = (waitFor > 0 ? EnterGetEvents | EnterExtArg : EnterExtArg) | _enterFlags;
        var r = Syscall(SysIoUringEnter, _enterFd, toSubmit, waitFor, flags, (long)arg, 24);
        // The kernel advances the SQ head over every SQE it consumed, whatever the wait's outcome.
        _submittedTail = Volatile.Read(ref *_sqHead);
        errno = 0;
        if (r >= 0) return true;
        errno = Libc.Errno;
        return errno is ETIME or Libc.EINTR or Libc.EAGAIN or EBUSY;
    }

    /// <summary>Number of completions ready now: read them with <see cref="At"/>, then call <see cref="Advance"/>.</summary>
    public int Ready(out uint head)
    {
        head = Volatile.Read(ref *_cqHead);
        var tail = Volatile.Read(ref *_cqTail);
        return (int)(tail - head);
    }

    public Cqe* At(uint head, int i) => _cqes + ((head + (uint)i) & _cqMask);

    public void Advance(int count) => Volatile.Write(ref *_cqHead, *_cqHead + (uint)count);

    private static byte* Map(nuint size, int fd, long offset)
    {
        var p = Mmap(null, size, 3 /* PROT_READ|PROT_WRITE */, 0x8001 /* MAP_SHARED|MAP_POPULATE */, fd, offset);
        if (p == (void*)-1) throw new IOException($"mmap io_uring failed: errno {Libc.Errno}");
        return (byte*)p;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        // The ring is torn down asynchronously after close; dropping the registrations first releases the file
        // (a TUN stays attached, TUNSETIFF answers EBUSY, while a ring still holds it) and unpins the pages now.
        if (_filesRegistered) Syscall(SysIoUringRegister, _fd, UnregisterFiles, 0, 0, 0, 0);
        if (_buffersRegistered) Syscall(SysIoUringRegister, _fd, UnregisterBuffers, 0, 0, 0, 0);
        Munmap(_sqes, _sqesSize);
        Munmap(_sqRing, _sqRingSize);
        Libc.Close(_fd);
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(void* address, nuint length);
}
