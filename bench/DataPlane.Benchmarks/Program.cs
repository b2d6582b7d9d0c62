using BenchmarkDotNet.Running;
using Oakestra.Actors.DataPlane.Benchmarks.TunLoop;

// `tun-loop [options]`: the closed-loop TUN packet-rate harness (needs root). Anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "tun-loop") return TunLoopHarness.Run(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

public partial class Program;
