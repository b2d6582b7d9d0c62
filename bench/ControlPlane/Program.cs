using Oakestra.Actors.Bench.ControlPlane;

// dotnet run -c Release --project bench/ControlPlane -- [--sites N] [--workers-per-site N] [--services N] [--instances N]
//     [--interests N] [--changes N] [--rate N[,N…]] [--parallel N]          (README.md beside this file)
BenchSize size;
try { size = BenchSize.Parse(args); }
catch (Exception e) when (e is ArgumentException or FormatException or IndexOutOfRangeException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine("usage: [--sites N] [--workers-per-site N] [--services N] [--instances N] [--interests N] [--changes N] [--rate N[,N…]] [--parallel N]");
    return 2;
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
void Log(string line) => Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss.f} {line}");

Log($"control plane at {size}");
IReadOnlyList<BenchResult> results;
await using (var harness = new ControlPlaneHarness(size, Log))
    results = await harness.RunAsync(cts.Token);
foreach (var r in results)
{
    Console.WriteLine();
    Console.Write(r.Table());
}
// One JSON line per size: the first rate's changes (the slowest by default: a change's own latency).
Console.WriteLine(results[0].Json());
return results.All(r => r.Lost.Count == 0) ? 0 : 1;
