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

public sealed record ForwardingLoopOptions
{
    public TunIo TunIo { get; init; } = TunIo.Auto;

    /// <summary>
    /// With io_uring: read the TUN with one multishot read over provided buffers when the kernel has it
    /// (Linux 6.7+); false keeps one plain read in flight per slot.
    /// </summary>
    public bool MultishotRead { get; init; } = true;

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
