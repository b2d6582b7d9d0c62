using BenchmarkDotNet.Running;
using Oakestra.Actors.DataPlane.Benchmarks.Translation;
using Oakestra.Actors.DataPlane.Benchmarks.TunLoop;

// `tun-loop [options]`: the closed-loop TUN packet-rate harness (needs root). `translation-rounds`: the
// translation cases side by side in interleaved rounds (see TranslationRounds). `aead`: AES-GCM vs
// ChaCha20-Poly1305 on 1400-byte packets (see AeadRounds).
// `tunnel-iperf`: iperf3 TCP between two namespaces, kernel veth against our tunnel (needs root; see TunnelIperfHarness). Anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "tun-loop") return TunLoopHarness.Run(args[1..]);
if (args.Length > 0 && args[0] == "aead") return Oakestra.Actors.DataPlane.Benchmarks.Tunnel.AeadRounds.Run(args[1..]);
if (args.Length > 0 && args[0] == "tunnel-iperf") return Oakestra.Actors.DataPlane.Benchmarks.TunnelIperf.TunnelIperfHarness.Run(args[1..]);
if (args.Length > 0 && args[0] == "translation-rounds") return TranslationRounds.Run(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

public partial class Program;
