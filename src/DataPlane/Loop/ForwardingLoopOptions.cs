namespace Oakestra.Actors.DataPlane.Loop;

/// <summary>How the forwarding loop uses threads.</summary>
public enum LoopThreading
{
    /// <summary>
    /// One thread serves TUN and tunnel (poll on both fds). The processor is then only ever called from
    /// that one thread, so it needs no synchronisation at all. Default.
    /// </summary>
    Single,
    /// <summary>
    /// One thread for TUN → processor → TUN/tunnel and one for tunnel → processor → TUN/tunnel.
    /// <see cref="Forwarding.IPacketProcessor.Process"/> is then called concurrently from both threads
    /// (Poll only from the TUN thread): use only with a processor that allows that.
    /// </summary>
    Split,
}

/// <summary>How the thread that reads the TUN talks to it.</summary>
public enum TunIo
{
    /// <summary>io_uring when the kernel allows it (io_uring_setup succeeds), else plain syscalls.</summary>
    Auto,
    /// <summary>Non-blocking read() until EAGAIN, one write() per packet, poll() when idle.</summary>
    Syscalls,
    /// <summary>
    /// One read kept in flight per slot in an io_uring; writes back to the TUN are queued in the same ring, so
    /// a whole batch of reads and writes costs one io_uring_enter. Fails at start if io_uring is unavailable.
    /// </summary>
    IoUring,
}

/// <summary>io_uring refinements of the TUN thread, each a separate switch so the benchmark can weigh them one by one.</summary>
[Flags]
internal enum RingTuning
{
    None = 0,
    /// <summary>SINGLE_ISSUER | DEFER_TASKRUN | COOP_TASKRUN (falls back to COOP_TASKRUN, then none).</summary>
    TaskRun = 1,
    /// <summary>The ring's own fd registered: io_uring_enter without an fd-table lookup.</summary>
    RegisteredRing = 2,
    /// <summary>The TUN fd registered as fixed file 0: no fget/fput per read or write.</summary>
    FixedFile = 4,
    /// <summary>The slots registered as fixed buffer 0: TUN writes are WRITE_FIXED and per-slot reads READ_FIXED (pages pinned once).</summary>
    FixedBuffers = 8,
    /// <summary>
    /// One non-blocking read per slot instead of a multishot read, each TUN write linked to the read that
    /// re-arms its slot: written, the slot reads again in the same io_uring_enter.
    /// </summary>
    LinkedReads = 16,
    All = TaskRun | RegisteredRing | FixedFile | FixedBuffers,
    /// <summary>What measured best (bench tun-loop): fixed buffers made TUN writes dearer (bvec memcpy), so they stay off.</summary>
    Default = TaskRun | RegisteredRing | FixedFile | LinkedReads,
}

public sealed record ForwardingLoopOptions
{
    /// <summary>Which io_uring refinements the TUN thread asks for (each falls back silently when the kernel refuses).</summary>
    internal RingTuning RingTuning { get; init; } = RingTuning.Default;

    public TunIo TunIo { get; init; } = TunIo.Auto;

    /// <summary>
    /// With io_uring: true reads the TUN with one multishot read over provided buffers when the kernel has it
    /// (Linux 6.7+). False (default) keeps one non-blocking read per slot, each TUN write linked to its slot's
    /// next read so a busy loop moves a whole batch per io_uring_enter, and slots that find the TUN empty wait
    /// behind one readiness poll. The closed-loop benchmark measured the per-slot reads cheaper per packet:
    /// the multishot read pays a wake-up and task-work run per packet arrival, the linked read finds it inline.
    /// </summary>
    public bool MultishotRead { get; init; }

    public LoopThreading Threading { get; init; } = LoopThreading.Single;

    /// <summary>Packets read per batch (TUN reads until EAGAIN or this many; recvmmsg vector size).</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Longest time between two calls of the processor's Poll; also the idle poll() timeout.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Per-thread arena for segments, probe replies and emitted packets.</summary>
    public int ArenaBytes { get; init; } = 512 * 1024;

    /// <summary>Name prefix of the loop threads (visible in /proc/self/task/*/comm, at most 15 bytes in total).</summary>
    public string ThreadName { get; init; } = "oak-dp";
}
