using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Oakestra.Actors.DataPlane.Loop;
using Oakestra.Actors.DataPlane.Native;
using Oakestra.Actors.DataPlane.Tun;
using Oakestra.Actors.DataPlane.Tunnel;
using static Oakestra.Actors.DataPlane.Benchmarks.TunLoop.TunLoopHarness;

namespace Oakestra.Actors.DataPlane.Benchmarks.TunnelIperf;

/// <summary>
/// `tunnel-iperf`: TCP throughput between two namespaces (oakg-a, oakg-b) joined by a veth, once straight over
/// the veth (the kernel node↔node figure) and once through each node's TUN, forwarding loop and UDP tunnel
/// (plain and sealed), all in one run so the ratio means something on a shared machine. Needs root and iperf3.
/// Addresses: veth 10.99.70.1/.2 (fd99:70::1/::2), A's TUN 10.99.70.65 (fd99:70::a:1), B's 10.99.70.129 (fd99:70::b:1).
/// </summary>
internal static class TunnelIperfHarness
{
    private const string A = "oakg-a", B = "oakg-b";

    public static int Run(string[] args)
    {
        var seconds = (int)Option(args, "--seconds", 5);
        var securities = OptionStrings(args, "--security", ["none", "aead"]);
        var families = OptionStrings(args, "--family", ["4"]);
        if (Environment.UserName != "root") { Console.Error.WriteLine("tunnel-iperf needs root (network namespaces, TUN)."); return 2; }
        try
        {
            SetUp();
            Console.WriteLine($"tunnel-iperf: {seconds}s per run, {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Trim()}");
            foreach (var family in families)
            {
                var v6 = family == "6";
                var kernel = Iperf(v6 ? "fd99:70::2" : "10.99.70.2", seconds);
                Console.WriteLine($"IPv{family} kernel veth node<->node: {kernel.Gbits:F2} Gbit/s");
                foreach (var security in securities)
                {
                    var (result, cpuA, cpuB, counters) = ThroughTunnel(security == "aead" ? TunnelSecurity.Aead : TunnelSecurity.None,
                        v6 ? "fd99:70::b:1" : "10.99.70.129", seconds);
                    Console.WriteLine($"IPv{family} tunnel {security,-4}: {result.Gbits:F2} Gbit/s ({result.Gbits / kernel.Gbits * 100:F0} % of kernel), "
                        + $"retransmits {result.Retransmits}, loop CPU A {cpuA:F0} % B {cpuB:F0} %, "
                        + $"{result.Gbits * 1000 / (Math.Max(cpuA, cpuB) / 100):F0} Mbit per CPU-second of the busier loop");
                    Console.WriteLine($"  sender {counters.A}");
                    Console.WriteLine($"  receiver {counters.B}");
                }
            }
            return 0;
        }
        finally
        {
            Sh("ip", $"netns delete {A}", check: false);
            Sh("ip", $"netns delete {B}", check: false);
        }
    }

    private static void SetUp()
    {
        foreach (var ns in new[] { A, B })
        {
            Sh("ip", $"netns delete {ns}", check: false);
            Sh("ip", $"netns add {ns}");
            Sh("ip", $"-n {ns} link set lo up");
        }
        Sh("ip", $"-n {A} link add oakg-va type veth peer name oakg-vb netns {B}");
        Sh("ip", $"-n {A} addr add 10.99.70.1/26 dev oakg-va");
        Sh("ip", $"-n {B} addr add 10.99.70.2/26 dev oakg-vb");
        Sh("ip", $"-n {A} addr add fd99:70::1/120 dev oakg-va nodad");
        Sh("ip", $"-n {B} addr add fd99:70::2/120 dev oakg-vb nodad");
        Sh("ip", $"-n {A} link set oakg-va up");
        Sh("ip", $"-n {B} link set oakg-vb up");
    }

    private static (IperfResult Result, double CpuA, double CpuB, (IoCounterSnapshot A, IoCounterSnapshot B) Counters) ThroughTunnel(TunnelSecurity security, string server, int seconds)
    {
        var owned = new List<IDisposable>();
        T Own<T>(T d) where T : IDisposable { owned.Add(d); return d; }
        try
        {
            var tunnelA = Own(NetworkNamespace.Run(A, () => UdpTunnel.Open(new UdpTunnelOptions { BindAddress = IPAddress.Parse("10.99.70.1"), Security = security })));
            var tunnelB = Own(NetworkNamespace.Run(B, () => UdpTunnel.Open(new UdpTunnelOptions { BindAddress = IPAddress.Parse("10.99.70.2"), Security = security })));
            tunnelA.PublishPeers([new TunnelPeer(new IPEndPoint(IPAddress.Parse("10.99.70.2"), tunnelB.LocalEndPoint.Port), tunnelB.Identity.PublicKey, tunnelB.Identity.Salt)]);
            tunnelB.PublishPeers([new TunnelPeer(new IPEndPoint(IPAddress.Parse("10.99.70.1"), tunnelA.LocalEndPoint.Port), tunnelA.Identity.PublicKey, tunnelA.Identity.Salt)]);
            var mtu = 1500 - tunnelA.Overhead;
            var tunA = Own(NetworkNamespace.Run(A, () => TunDevice.Open(new TunOptions("oakg-ta") { BringUp = true, Mtu = mtu })));
            var tunB = Own(NetworkNamespace.Run(B, () => TunDevice.Open(new TunOptions("oakg-tb") { BringUp = true, Mtu = mtu })));
            Sh("ip", $"-n {A} addr add 10.99.70.65/32 dev oakg-ta");
            Sh("ip", $"-n {A} addr add fd99:70::a:1/128 dev oakg-ta nodad");
            Sh("ip", $"-n {A} route add 10.99.70.128/26 dev oakg-ta");
            Sh("ip", $"-n {A} route add fd99:70::b:0/112 dev oakg-ta");
            Sh("ip", $"-n {B} addr add 10.99.70.129/32 dev oakg-tb");
            Sh("ip", $"-n {B} addr add fd99:70::b:1/128 dev oakg-tb nodad");
            Sh("ip", $"-n {B} route add 10.99.70.64/26 dev oakg-tb");
            Sh("ip", $"-n {B} route add fd99:70::a:0/112 dev oakg-tb");
            var loopA = Own(new ForwardingLoop<ForwardProcessor>(new ForwardProcessor(), tunA, tunnelA));
            var loopB = Own(new ForwardingLoop<ForwardProcessor>(new ForwardProcessor(), tunB, tunnelB));
            loopA.Start();
            loopB.Start();
            while (loopA.NativeThreadId == 0 || loopB.NativeThreadId == 0) Thread.Sleep(10);
            var (a0, b0) = (ThreadCpu(loopA.NativeThreadId), ThreadCpu(loopB.NativeThreadId));
            var sw = Stopwatch.StartNew();
            var result = Iperf(server, seconds);
            var wall = sw.Elapsed.TotalSeconds;
            var cpuA = (ThreadCpu(loopA.NativeThreadId) - a0) / wall * 100;
            var cpuB = (ThreadCpu(loopB.NativeThreadId) - b0) / wall * 100;
            return (result, cpuA, cpuB, (loopA.Counters, loopB.Counters));
        }
        finally
        {
            for (var i = owned.Count - 1; i >= 0; i--) owned[i].Dispose();
        }
    }

    /// <summary>CPU seconds (user + system) of one thread of this process.</summary>
    private static double ThreadCpu(int tid)
    {
        var stat = File.ReadAllText($"/proc/self/task/{tid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0; // utime, stime in clock ticks (USER_HZ 100)
    }

    private readonly record struct IperfResult(double Gbits, long Retransmits);

    /// <summary>One iperf3 TCP run from A to <paramref name="server"/> in B (server started for this one test).</summary>
    private static IperfResult Iperf(string server, int seconds)
    {
        using var listener = Process.Start(new ProcessStartInfo("ip", $"netns exec {B} iperf3 -s -1 -p 5299") { RedirectStandardOutput = true, RedirectStandardError = true })!;
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                Thread.Sleep(300);
                var output = Sh("ip", $"netns exec {A} iperf3 -c {server} -p 5299 -t {seconds} -J", check: false);
                using var json = JsonDocument.Parse(output);
                if (json.RootElement.TryGetProperty("error", out var error))
                {
                    if (attempt < 10) continue;
                    throw new InvalidOperationException($"iperf3: {error}");
                }
                var end = json.RootElement.GetProperty("end");
                return new IperfResult(end.GetProperty("sum_received").GetProperty("bits_per_second").GetDouble() / 1e9,
                    end.GetProperty("sum_sent").TryGetProperty("retransmits", out var r) ? r.GetInt64() : 0);
            }
        }
        finally
        {
            if (!listener.HasExited) listener.Kill();
        }
    }
}
