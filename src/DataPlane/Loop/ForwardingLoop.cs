using Oakestra.Actors.DataPlane.Forwarding;
using Oakestra.Actors.DataPlane.Tun;
using Oakestra.Actors.DataPlane.Tunnel;

namespace Oakestra.Actors.DataPlane.Loop;

/// <summary>
/// The unmanaged forwarding loop of a worker node: TUN → processor → TUN / tunnel, and tunnel → processor
/// → TUN / tunnel, on dedicated threads over native buffers, with batched reads (TUN until EAGAIN,
/// recvmmsg) and batched writes (sendmmsg), idle waits in poll(2) bounded by
/// <see cref="ForwardingLoopOptions.PollInterval"/>, and the processor's Poll after every batch and at
/// least once per interval. The TUN device and the tunnel stay owned by the caller: dispose the loop first.
/// The processor's Poll receives <c>Stopwatch.GetTimestamp()</c> as nowTicks.
/// </summary>
public sealed class ForwardingLoop<TProcessor> : IDisposable where TProcessor : class, IPacketProcessor
{
    private readonly LoopWorker<TProcessor>[] _workers;
    private readonly Thread[] _threads;
    private volatile bool _stopping;
    private int _state; // 0 created, 1 started, 2 disposed

    public ForwardingLoop(TProcessor processor, TunDevice? tun, UdpTunnel? tunnel, ForwardingLoopOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(processor);
        if (tun is null && tunnel is null) throw new ArgumentException("need a TUN device, a tunnel, or both");
        options ??= new ForwardingLoopOptions();
        if (options.BatchSize is < 1 or > 1024) throw new ArgumentOutOfRangeException(nameof(options), "BatchSize must be 1..1024");
        if (options.ArenaBytes < 4 * PacketSlots.SlotSize) throw new ArgumentOutOfRangeException(nameof(options), "ArenaBytes too small");
        Processor = processor;
        Func<bool> stopping = () => _stopping;
        if (options.Threading == LoopThreading.Split && tun != null && tunnel != null)
        {
            _workers =
            [
                new LoopWorker<TProcessor>(processor, tun, tunnel, readsTun: true, readsTunnel: false, pollsProcessor: true, options, stopping),
                new LoopWorker<TProcessor>(processor, tun, tunnel, readsTun: false, readsTunnel: true, pollsProcessor: false, options, stopping),
            ];
        }
        else
        {
            _workers = [new LoopWorker<TProcessor>(processor, tun, tunnel, readsTun: true, readsTunnel: true, pollsProcessor: true, options, stopping)];
        }
        _threads = new Thread[_workers.Length];
        for (var i = 0; i < _workers.Length; i++)
        {
            var worker = _workers[i];
            _threads[i] = new Thread(worker.Run) { IsBackground = true, Name = $"{options.ThreadName}-{i}" };
        }
    }

    public TProcessor Processor { get; }

    /// <summary>True when the TUN thread runs on io_uring (after <see cref="Start"/>; with TunIo.Auto it may take a moment to be known).</summary>
    public bool UsesIoUring => _workers[0].UsesIoUring;

    /// <summary>True when the io_uring path reads with a multishot read over provided buffers (MultishotRead on, Linux 6.7+).</summary>
    public bool UsesMultishotRead => _workers[0].UsesMultishot;

    /// <summary>The io_uring refinements the TUN thread runs with (for reports).</summary>
    internal string RingDescription => _workers[0].RingDescription;

    /// <summary>Kernel thread id of the first loop thread (0 until it runs).</summary>
    internal int NativeThreadId => _workers[0].NativeThreadId;

    /// <summary>Number of loop threads (1 or 2).</summary>
    public int ThreadCount => _threads.Length;

    public void Start()
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0) throw new InvalidOperationException("already started or disposed");
        foreach (var t in _threads) t.Start();
    }

    /// <summary>
    /// Null while every loop thread runs; otherwise why not ("not started", "stopped", or which thread ended). Read by
    /// the worker's readiness check (Thread.IsAlive: nothing on the packet path).
    /// </summary>
    public string? NotRunning => Volatile.Read(ref _state) switch
    {
        0 => "not started",
        2 => "stopped",
        _ => _threads.FirstOrDefault(t => !t.IsAlive) is { } ended ? $"loop thread {ended.Name} ended" : null,
    };

    /// <summary>I/O counters summed over the loop threads.</summary>
    public IoCounterSnapshot Counters
    {
        get
        {
            var s = new IoCounterSnapshot();
            foreach (var w in _workers) w.Counters.AddTo(ref s);
            return s;
        }
    }

    /// <summary>
    /// Sum over the loop threads of GC.GetAllocatedBytesForCurrentThread, sampled by each thread after every
    /// iteration: two readings taken while packets flow must be equal for an allocation-free packet path.
    /// </summary>
    public long LoopThreadAllocatedBytes
    {
        get
        {
            long sum = 0;
            foreach (var w in _workers) sum += w.AllocatedBytes;
            return sum;
        }
    }

    /// <summary>Stops the threads (they notice within one poll interval), joins them and frees the native buffers.</summary>
    public void Dispose()
    {
        var previous = Interlocked.Exchange(ref _state, 2);
        if (previous == 2) return;
        _stopping = true;
        if (previous == 1) foreach (var t in _threads) t.Join();
        foreach (var w in _workers) w.Dispose();
    }
}
