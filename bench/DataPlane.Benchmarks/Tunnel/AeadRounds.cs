using System.Diagnostics;
using System.Security.Cryptography;
using Oakestra.Actors.DataPlane.Tunnel;

namespace Oakestra.Actors.DataPlane.Benchmarks.Tunnel;

/// <summary>
/// `aead [packets] [rounds]`: seal + open of 1400-byte packets in place with a 24-byte header as associated
/// data, AES-GCM and ChaCha20-Poly1305 in interleaved rounds (so a noisy neighbour hits both alike).
/// Prints ns per packet (seal, open) and bytes allocated over the run.
/// </summary>
public static class AeadRounds
{
    private const int Payload = 1400, Header = 24, Tag = 16;

    public static int Run(string[] args)
    {
        var packets = args.Length > 0 ? int.Parse(args[0]) : 200_000;
        var rounds = args.Length > 1 ? int.Parse(args[1]) : 5;
        var key = RandomNumberGenerator.GetBytes(32);
        using var gcm = new AesGcm(key, Tag);
        using var chacha = new ChaCha20Poly1305(key);
        var buffer = new byte[Header + Payload + Tag];
        RandomNumberGenerator.Fill(buffer);
        using var evp = new EvpAesGcm(key, key);
        var results = new Dictionary<string, List<(double Seal, double Open)>> { ["aes-gcm"] = [], ["chacha20-poly1305"] = [], ["evp aes-gcm (the tunnel's)"] = [] };
        Measure("aes-gcm", buffer, 20_000, (n, p, c, t, a) => gcm.Encrypt(n, p, c, t, a), (n, c, t, p, a) => gcm.Decrypt(n, c, t, p, a));
        Measure("chacha20-poly1305", buffer, 20_000, (n, p, c, t, a) => chacha.Encrypt(n, p, c, t, a), (n, c, t, p, a) => chacha.Decrypt(n, c, t, p, a));
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (var r = 0; r < rounds; r++)
        {
            results["aes-gcm"].Add(Measure("aes-gcm", buffer, packets, (n, p, c, t, a) => gcm.Encrypt(n, p, c, t, a), (n, c, t, p, a) => gcm.Decrypt(n, c, t, p, a)));
            results["evp aes-gcm (the tunnel's)"].Add(MeasureEvp(evp, buffer, packets));
            results["chacha20-poly1305"].Add(Measure("chacha20-poly1305", buffer, packets, (n, p, c, t, a) => chacha.Encrypt(n, p, c, t, a), (n, c, t, p, a) => chacha.Decrypt(n, c, t, p, a)));
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        foreach (var (name, list) in results)
        {
            var seal = list.Select(x => x.Seal).Order().ToArray();
            var open = list.Select(x => x.Open).Order().ToArray();
            Console.WriteLine($"{name,-26} seal median {seal[seal.Length / 2]:F0} ns (min {seal[0]:F0}), open median {open[open.Length / 2]:F0} ns (min {open[0]:F0}) per {Payload}-byte packet; "
                + $"seal at median {Payload * 8 / seal[seal.Length / 2]:F2} Gbit/s");
        }
        Console.WriteLine($"allocated over {rounds} rounds x 2 x {packets} packets: {allocated} B (the delegates' closures only)");
        var failures = 10_000;
        var sw = Stopwatch.StartNew();
        var bad = buffer.AsSpan(Header, Payload);
        for (var i = 0; i < failures; i++)
        {
            try { gcm.Decrypt(buffer.AsSpan(0, 12), bad, buffer.AsSpan(Header + Payload, Tag), bad, buffer.AsSpan(0, Header)); }
            catch (AuthenticationTagMismatchException) { }
        }
        Console.WriteLine($"a failed open (exception) costs {sw.Elapsed.TotalNanoseconds / failures:F0} ns");
        return 0;
    }

    private static unsafe (double Seal, double Open) MeasureEvp(EvpAesGcm evp, byte[] buffer, int packets)
    {
        fixed (byte* b = buffer)
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            for (var i = 0; i < packets; i++)
            {
                b[23] = (byte)i;
                evp.Seal(b + 12, b, Header, b + Header, Payload, b + Header + Payload);
            }
            var sealNs = sw.Elapsed.TotalNanoseconds / packets;
            var copy = buffer.ToArray();
            sw.Restart();
            var failed = 0;
            for (var i = 0; i < packets; i++)
            {
                copy.AsSpan().CopyTo(buffer);
                if (!evp.Open(b + 12, b, Header, b + Header, Payload, b + Header + Payload)) failed++;
            }
            var openNs = sw.Elapsed.TotalNanoseconds / packets;
            if (failed != 0) throw new InvalidOperationException($"evp open failed {failed} times");
            return (sealNs, openNs);
        }
    }

    private delegate void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> ad);
    private delegate void Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> ad);

    private static (double Seal, double Open) Measure(string name, byte[] buffer, int packets, Seal seal, Open open)
    {
        var nonce = buffer.AsSpan(12, 12);
        var ad = buffer.AsSpan(0, Header);
        var body = buffer.AsSpan(Header, Payload);
        var tag = buffer.AsSpan(Header + Payload, Tag);
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < packets; i++)
        {
            nonce[11] = (byte)i;
            seal(nonce, body, body, tag, ad);
        }
        var sealNs = sw.Elapsed.TotalNanoseconds / packets;
        // Open what was sealed last, over and over: the cost of open does not depend on the counter.
        var copy = buffer.ToArray();
        sw.Restart();
        for (var i = 0; i < packets; i++)
        {
            copy.AsSpan().CopyTo(buffer);
            open(nonce, body, tag, body, ad);
        }
        var openNs = sw.Elapsed.TotalNanoseconds / packets;
        return (sealNs, openNs);
    }
}
