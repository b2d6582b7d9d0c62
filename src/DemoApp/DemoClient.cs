using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Oakestra.Actors.DemoApp;

/// <summary>The client side, so end-to-end tests need neither curl nor socat. Each returns the answer's JSON text.</summary>
public static class DemoClient
{
    public static async Task<string> GetAsync(Uri url, TimeSpan timeout)
    {
        // Never a proxy: inside a lab namespace the only way out is the semantic address itself.
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = timeout };
        using var response = await http.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new IOException($"{(int)response.StatusCode} from {url}: {body.Trim()}");
        return body.Trim();
    }

    /// <summary>Sends from a connect()ed socket, so the answer only counts if it comes from the address dialled.</summary>
    public static async Task<string> UdpAsync(IPAddress address, int port, string text, TimeSpan timeout, int attempts = 3)
    {
        using var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        await socket.ConnectAsync(new IPEndPoint(address, port));
        var buffer = new byte[65535];
        for (var i = 0; i < attempts; i++)
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(text), SocketFlags.None);
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                return Encoding.UTF8.GetString(buffer, 0, n);
            }
            catch (OperationCanceledException) { }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                // ICMP port unreachable came back: nobody listens there.
                throw new IOException($"no UDP answer from {new IPEndPoint(address, port)}: connection refused", e);
            }
        }
        throw new IOException($"no UDP answer from {new IPEndPoint(address, port)} after {attempts} tries");
    }

    /// <summary>
    /// Streams <paramref name="megabytes"/> MiB of deterministic pseudo-random bytes over one TCP connection
    /// and has the server check their SHA-256; fails when the server says they arrived damaged.
    /// </summary>
    public static async Task<string> StreamAsync(IPAddress address, int port, int megabytes, TimeSpan timeout)
    {
        var length = (long)megabytes * 1024 * 1024;
        var sha = Convert.ToHexStringLower(Hash(length));
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var cts = new CancellationTokenSource(timeout);
        await socket.ConnectAsync(new IPEndPoint(address, port), cts.Token);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var host = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /stream HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: {length}\r\nX-Sha256: {sha}\r\nConnection: close\r\n\r\n"), cts.Token);
        var clock = Stopwatch.StartNew();
        foreach (var chunk in Chunks(length)) await stream.WriteAsync(chunk, cts.Token);
        using var reader = new StreamReader(stream);
        var response = await reader.ReadToEndAsync(cts.Token);
        var seconds = clock.Elapsed.TotalSeconds;
        var body = response.Split("\r\n\r\n", 2) is [_, var b] ? b.Trim() : throw new IOException("no HTTP answer to the stream");
        var answer = JsonNode.Parse(body)!.AsObject();
        answer["mbit_per_s"] = Math.Round(length * 8 / 1e6 / Math.Max(seconds, 1e-6), 1);
        if (answer["intact"]?.GetValue<bool>() != true)
            throw new IOException($"stream arrived damaged: sent {length} bytes sha256 {sha}, server got {answer["bytes"]} bytes sha256 {answer["sha256"]}");
        return answer.ToJsonString();
    }

    private static byte[] Hash(long length)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var chunk in Chunks(length)) hash.AppendData(chunk.Span);
        return hash.GetHashAndReset();
    }

    /// <summary>The same bytes every time (xorshift64 from a fixed seed), in 64 KiB pieces.</summary>
    private static IEnumerable<ReadOnlyMemory<byte>> Chunks(long length)
    {
        var buffer = new byte[64 * 1024];
        var state = 0x9E3779B97F4A7C15UL;
        for (long sent = 0; sent < length; sent += buffer.Length)
        {
            for (var i = 0; i < buffer.Length; i += 8)
            {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                BitConverter.TryWriteBytes(buffer.AsSpan(i), state);
            }
            yield return buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - sent));
        }
    }
}
