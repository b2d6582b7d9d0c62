using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using Oakestra.Actors.DataPlane.Loop;
using Oakestra.Actors.DataPlane.Native;
using Oakestra.Actors.DataPlane.Tun;

namespace Oakestra.Actors.DataPlane.Benchmarks.TunLoop;

/// <summary>
/// Closed-loop TUN packet rate. A namespace (oakt-io-bench) holds a persistent TUN with 10.99.1.0/24 routed
/// into it and forwarding on: a packet written to the TUN is forwarded straight back out of it. Each
/// contestant attaches to the TUN, writes INFLIGHT UDP packets, then reads each packet, reflects it (swap
/// addresses, restore TTL) and writes it back, so exactly INFLIGHT packets circulate and every contestant
/// does the same work per packet: one TUN read, one reflect, one TUN write, one kernel forward.
/// Contestants: our ForwardingLoop (C#), a minimal C read/write loop, a C io_uring loop (bench/tun-loop/).
/// </summary>
internal static class TunLoopHarness
{
    private const string Namespace = "oakt-io-bench";
    private const string Device = "oiobench";
    private static int s_batch = 64;
    private static readonly HashSet<string> s_reported = [];

    public static int Run(string[] args)
    {
        var seconds = Option(args, "--seconds", 5.0);
        var warmup = Option(args, "--warmup", 1.0);
        var inflight = (int)Option(args, "--inflight", 32);
        var rounds = (int)Option(args, "--rounds", 4);
        // --tuning all,none,taskrun+fixedfile,...: extra C# io_uring contestants with only those ring refinements (default: the product's).
        var tunings = OptionStrings(args, "--tuning", ["default"]);
        var uringOnly = args.Contains("--uring-only"); // skip the read/write contestants (quicker A/B of ring variants)
        var sizes = OptionList(args, "--payloads", [64, 1400]);
        // Our loop keeps one TUN read in flight per batch slot; by default as many as the C io_uring loop (one per packet in flight).
        s_batch = (int)Option(args, "--batch", inflight);
        if (Environment.UserName != "root") { Console.Error.WriteLine("tun-loop needs root (network namespace, TUN)."); return 2; }

        var binaries = BuildC(FindSources());
        Sh("ip", $"netns delete {Namespace}", check: false);
        try
        {
            SetUpNamespace();
            Console.WriteLine($"closed-loop TUN benchmark: {inflight} packets in flight, C# batch {s_batch}, {warmup}s warm-up + {seconds}s per run, best of {rounds} rounds");
            Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Trim()}");
            Console.WriteLine("every contestant is one thread with the same packets in flight and the same read/reflect/write per packet;");
            Console.WriteLine("  C io_uring: classic liburing loop, one read per buffer re-armed after its write, no setup flags or registrations;");
            Console.WriteLine("  C# io_uring: DEFER_TASKRUN ring, registered ring fd and TUN fd, each write linked to its slot's next read (no multishot read).");
            Console.WriteLine("  CPU/packet: CPU time of the contestant's process over the measured window / packets (best round), less load-sensitive than the rate.");
            foreach (var payload in sizes)
            {
                var best = new Dictionary<string, Result>();
                var contestants = new List<(string Name, Func<Result> Run)>();
                foreach (var t in tunings)
                {
                    var tuning = ParseTuning(t);
                    contestants.Add((t == "default" ? Ours : $"{Ours} [{t}]", () => RunOurs(payload, inflight, warmup, seconds, TunIo.IoUring, tuning)));
                }
                if (!uringOnly)
                {
                    contestants.Add(("C# loop (syscalls)", () => RunOurs(payload, inflight, warmup, seconds, TunIo.Syscalls, null)));
                    contestants.Add((CReadWrite, () => RunC(binaries.ReadWrite, payload, inflight, warmup, seconds)));
                }
                contestants.Add((CUring, () => RunC(binaries.IoUring, payload, inflight, warmup, seconds)));
                foreach (var (name, _) in contestants) best[name] = default;
                for (var round = 0; round < rounds; round++)
                {
                    // Alternate the order, so a load swing during a round does not always hit the same contestant.
                    var order = round % 2 == 0 ? contestants : Enumerable.Reverse(contestants).ToList();
                    foreach (var (name, run) in order) Keep(best, name, run());
                }
                Print(payload, best);
            }
            return 0;
        }
        finally
        {
            Sh("ip", $"netns delete {Namespace}", check: false);
            Directory.Delete(Path.GetDirectoryName(binaries.ReadWrite)!, recursive: true);
        }
    }

    private const string Ours = "C# loop (io_uring)";
    private const string CReadWrite = "C read/write";
    private const string CUring = "C io_uring";

    /// <summary>A run's rate, and the CPU time its process used per packet while measuring (less sensitive to the machine's load).</summary>
    private readonly record struct Result(double PacketsPerSecond, double CpuNsPerPacket);

    private static void Print(int payload, Dictionary<string, Result> best)
    {
        Console.WriteLine($"\nUDP payload {payload} B (IP packet {payload + 28} B), load average {File.ReadAllText("/proc/loadavg").Trim()}:");
        foreach (var (name, r) in best) Console.WriteLine($"  {name,-34} {r.PacketsPerSecond,12:N0} packets/s   best {r.CpuNsPerPacket,6:N0} ns CPU/packet");
        foreach (var ours in best.Keys.Where(k => k.StartsWith("C#", StringComparison.Ordinal)))
            Console.WriteLine($"  {ours}: " + (best.ContainsKey(CReadWrite) ? $"{best[ours].PacketsPerSecond / best[CReadWrite].PacketsPerSecond:F2}x C read/write, " : "") +
                $"{best[ours].PacketsPerSecond / best[CUring].PacketsPerSecond:F2}x C io_uring  (CPU per packet {best[ours].CpuNsPerPacket / best[CUring].CpuNsPerPacket:F2}x C io_uring's)");
    }

    // Best rate and, independently, least CPU per packet over the rounds.
    private static void Keep(Dictionary<string, Result> best, string name, Result r) =>
        best[name] = best[name].PacketsPerSecond == 0 ? r
            : new Result(Math.Max(best[name].PacketsPerSecond, r.PacketsPerSecond), Math.Min(best[name].CpuNsPerPacket, r.CpuNsPerPacket));

    /// <summary>"default", or ring refinements joined by '+' (RingTuning names, "none", "all"); "multishot" turns MultishotRead on.</summary>
    private static (RingTuning? Tuning, bool Multishot)? ParseTuning(string text)
    {
        if (text == "default") return null;
        var parts = text.Split('+');
        var multishot = parts.Contains("multishot", StringComparer.OrdinalIgnoreCase);
        var tuning = parts.Where(p => !p.Equals("multishot", StringComparison.OrdinalIgnoreCase))
            .Select(p => p.Equals("none", StringComparison.OrdinalIgnoreCase) ? RingTuning.None : Enum.Parse<RingTuning>(p, ignoreCase: true))
            .Aggregate(RingTuning.None, (a, b) => a | b);
        return (parts.Length == 1 && multishot ? RingTuning.Default : tuning, multishot);
    }

    private static Result RunOurs(int payload, int inflight, double warmup, double seconds, TunIo io, (RingTuning? Tuning, bool Multishot)? variant)
    {
        using var tun = NetworkNamespace.Run(Namespace, () =>
        {
            var t = TunDevice.Open(new TunOptions(Device) { Offload = false });
            if (!t.WaitUntilRunning(TimeSpan.FromSeconds(5))) throw new InvalidOperationException("TUN never became RUNNING");
            return t;
        });
        var processor = new ReflectProcessor();
        var options = new ForwardingLoopOptions { TunIo = io, BatchSize = s_batch };
        if (variant is { } v) options = options with { RingTuning = v.Tuning ?? RingTuning.Default, MultishotRead = v.Multishot };
        var tuning = variant?.ToString();
        using var loop = new ForwardingLoop<ReflectProcessor>(processor, tun, null, options);
        loop.Start();
        Inject(tun, inflight, payload);
        Thread.Sleep(TimeSpan.FromSeconds(warmup));
        var self = Process.GetCurrentProcess();
        var cpu0 = self.TotalProcessorTime;
        var thread0 = ThreadCpuNs(loop.NativeThreadId);
        var start = Volatile.Read(ref processor.Packets);
        var sw = Stopwatch.StartNew();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        var count = Volatile.Read(ref processor.Packets) - start;
        var elapsed = sw.Elapsed.TotalSeconds;
        self.Refresh();
        var cpu = (self.TotalProcessorTime - cpu0).TotalSeconds; // the whole harness process: loop thread plus runtime threads
        var threadCpu = (ThreadCpuNs(loop.NativeThreadId) - thread0) / 1e9;
        if (cpu > threadCpu * 1.05 + 0.02)
            Console.WriteLine($"  (note: {(cpu - threadCpu) * 1000:N0} ms CPU of other threads of this process while measuring [{io}, {tuning ?? "default"}]: JIT/runtime)");
        var counters = loop.Counters;
        if (counters.IoDrops != 0) Console.WriteLine($"  (C# loop I/O drops: {counters})");
        if (loop.UsesIoUring != (io == TunIo.IoUring)) throw new InvalidOperationException("loop did not use the requested TUN I/O");
        if (Environment.GetEnvironmentVariable("OAKT_TUNLOOP_VERBOSE") == "1")
            Console.WriteLine($"  ({io} {tuning}: {(double)counters.TunPacketsIn / Math.Max(1, counters.Batches):F1} packets per batch)");
        if (io == TunIo.IoUring && s_reported.Add(tuning ?? "default"))
            Console.WriteLine($"(C# io_uring path [{tuning ?? "default"}]: {(loop.UsesMultishotRead ? "one multishot read over provided buffers" : "one read per slot")}; {loop.RingDescription})");
        return new Result(count / elapsed, cpu * 1e9 / Math.Max(1, count));
    }

    /// <summary>Time the thread spent on a CPU (first field of /proc/self/task/TID/schedstat), in ns.</summary>
    private static long ThreadCpuNs(int tid) =>
        long.Parse(File.ReadAllText($"/proc/self/task/{tid}/schedstat").Split(' ')[0], CultureInfo.InvariantCulture);

    private static unsafe void Inject(TunDevice tun, int inflight, int payload)
    {
        var packet = new byte[28 + payload];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        packet[8] = 64;
        packet[9] = 17;
        new byte[] { 10, 99, 1, 1, 10, 99, 1, 2 }.CopyTo(packet, 12);
        uint sum = 0;
        for (var i = 0; i < 20; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(i));
        while (sum >> 16 != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), (ushort)~sum);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(20), 1000);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(22), 2000);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(24), (ushort)(8 + payload));
        fixed (byte* p = packet)
        {
            for (var i = 0; i < inflight; i++)
                if (tun.Write(p, packet.Length) != packet.Length) throw new IOException("inject failed");
        }
    }

    private static Result RunC(string binary, int payload, int inflight, double warmup, double seconds)
    {
        var output = Sh("ip", string.Create(CultureInfo.InvariantCulture, $"netns exec {Namespace} {binary} {Device} {payload} {inflight} {warmup} {seconds}"));
        var parts = output.Trim().Split(' ').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        return new Result(parts[0] / parts[1], parts[2] * 1e9 / Math.Max(1, parts[0]));
    }

    private static void SetUpNamespace()
    {
        Sh("ip", $"netns add {Namespace}");
        Sh("ip", $"-n {Namespace} tuntap add dev {Device} mode tun");
        Sh("ip", $"-n {Namespace} link set lo up");
        Sh("ip", $"-n {Namespace} link set {Device} up");
        Sh("ip", $"-n {Namespace} addr add 10.99.0.1/32 dev {Device}");
        Sh("ip", $"-n {Namespace} route add 10.99.1.0/24 dev {Device}");
        Sh("ip", $"netns exec {Namespace} sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.{Device}.send_redirects=0 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.{Device}.rp_filter=0");
    }

    private static (string ReadWrite, string IoUring) BuildC(string sources)
    {
        var dir = Directory.CreateTempSubdirectory("oakt-io-bench-").FullName;
        var rw = Path.Combine(dir, "tun_rw");
        var uring = Path.Combine(dir, "tun_uring");
        Sh("gcc", $"-O2 -Wall -o {rw} {Path.Combine(sources, "tun_rw.c")}");
        Sh("gcc", $"-O2 -Wall -o {uring} {Path.Combine(sources, "tun_uring.c")} -luring");
        return (rw, uring);
    }

    private static string FindSources()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "bench", "tun-loop");
            if (File.Exists(Path.Combine(candidate, "tun_rw.c"))) return candidate;
        }
        throw new FileNotFoundException("bench/tun-loop/*.c not found above " + AppContext.BaseDirectory);
    }

    internal static string Sh(string file, string args, bool check = true)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (check && p.ExitCode != 0) throw new InvalidOperationException($"{file} {args}: exit {p.ExitCode}: {stderr}");
        return stdout.Result;
    }

    internal static double Option(string[] args, string name, double fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    internal static string[] OptionStrings(string[] args, string name, string[] fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1].Split(',') : fallback;
    }

    private static int[] OptionList(string[] args, string name, int[] fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1].Split(',').Select(int.Parse).ToArray() : fallback;
    }
}
