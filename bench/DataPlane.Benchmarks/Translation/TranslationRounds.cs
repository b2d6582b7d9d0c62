using System.Diagnostics;

namespace Oakestra.Actors.DataPlane.Benchmarks.Translation;

/// <summary>
/// `translation-rounds [--rounds N]`: the cases of <see cref="TranslationBenchmarks"/> and
/// <see cref="TranslationAtScaleBenchmarks"/> side by side in interleaved rounds. Every round runs every
/// case (packet kind × copy / outgoing hit / incoming hit) for a short window; each case keeps its best window.
/// On a shared machine a neighbour's busy spell slows whatever runs during it (the copy alone then doubles),
/// so a long run of one case after the other, as BenchmarkDotNet does, can catch one case in a busy spell
/// and its neighbour in a quiet one; the best of many short interleaved windows compares them at the same
/// (quietest) moment. All cases share the JIT's profile, as in the forwarding loop, where both families mix.
/// </summary>
internal static class TranslationRounds
{
    private static readonly PacketKind[] Kinds = [PacketKind.V4Tcp, PacketKind.V4Udp, PacketKind.V6Tcp, PacketKind.V6Udp];

    public static int Run(string[] args)
    {
        int at = Array.IndexOf(args, "--rounds");
        int rounds = at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1]) : 12;
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Trim()}; best of {rounds} interleaved rounds, ns per packet");
        Measure("one flow, 48-80 B packets (the floor)", "copy", rounds, 2000, 1024, kind =>
        {
            var b = new TranslationBenchmarks { Kind = kind };
            b.Setup();
            return ([b.CopyOnly, b.OutgoingFlowHit, b.IncomingReplyFlowHit], b.Cleanup);
        });
        Measure("4096 flows, 1400 B packets, shuffled (at scale)", "restore", rounds, 100, 4096, kind =>
        {
            var b = new TranslationAtScaleBenchmarks { Kind = kind };
            b.Setup();
            return ([b.RestoreOnly, b.OutgoingFlowHit, b.IncomingReplyFlowHit], b.Cleanup);
        });
        Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }

    private static void Measure(string title, string copyName, int rounds, int calls, int packetsPerCall,
        Func<PacketKind, (Func<int>[] Cases, Action Cleanup)> setup)
    {
        var benches = Kinds.Select(setup).ToArray();
        var best = new double[Kinds.Length, 3];
        for (int k = 0; k < Kinds.Length; k++)
            for (int c = 0; c < 3; c++) best[k, c] = double.MaxValue;
        int sink = 0;
        for (int round = 0; round < rounds; round++)
            for (int k = 0; k < Kinds.Length; k++)
                for (int c = 0; c < 3; c++)
                {
                    var op = benches[k].Cases[c];
                    for (int i = 0; i < calls / 10; i++) sink += op();
                    long start = Stopwatch.GetTimestamp();
                    for (int i = 0; i < calls; i++) sink += op();
                    double ns = Stopwatch.GetElapsedTime(start).TotalNanoseconds / ((double)calls * packetsPerCall);
                    best[k, c] = Math.Min(best[k, c], ns);
                }
        foreach (var b in benches) b.Cleanup();
        GC.KeepAlive(sink);

        Console.WriteLine($"\n{title}; in brackets the translation alone (case minus {copyName}):");
        Console.WriteLine($"{"kind",-7} {copyName,8} {"outgoing flow hit",22} {"incoming reply hit",22}");
        for (int k = 0; k < Kinds.Length; k++)
        {
            double copy = best[k, 0];
            Console.WriteLine($"{Kinds[k],-7} {copy,8:F1} {Cell(best[k, 1], copy),22} {Cell(best[k, 2], copy),22}");
        }
    }

    private static string Cell(double value, double copy) => $"{value:F1} ({value - copy:F1})";
}
