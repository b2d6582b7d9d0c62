using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Oakestra.Actors.DemoApp;

/// <summary>
/// Connections that go quiet: each of <c>connections</c> kept-alive TCP connections asks once, stays silent for
/// the idle time, and asks again on the same connection. Through a Round Robin IP both answers must come from
/// the same instance: the flow keeps its route however long it is idle, whatever the interest expiry does.
/// </summary>
public static class IdleConnections
{
    /// <summary>
    /// The outcome as one JSON object: how many connections answered twice from one instance (<c>same</c>), from
    /// two (<c>changed</c>), or failed (<c>failed</c>, with the first few errors); the first answers per instance.
    /// </summary>
    public static async Task<string> RunAsync(IPAddress address, int port, int connections, TimeSpan idle, TimeSpan timeout)
    {
        var sockets = new List<Socket>();
        var streams = new NetworkStream?[connections];
        var first = new string?[connections];
        var errors = new List<string>();
        var (same, changed) = (0, 0);
        try
        {
            for (var i = 0; i < connections; i++)
            {
                sockets.Add(new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
            }
            await Task.WhenAll(sockets.Select(async (c, i) =>
            {
                try
                {
                    using var cts = new CancellationTokenSource(timeout);
                    await c.ConnectAsync(new IPEndPoint(address, port), cts.Token);
                    streams[i] = new NetworkStream(c, ownsSocket: false);
                    first[i] = await AskAsync(streams[i]!, address, port, cts.Token);
                }
                catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or FormatException)
                {
                    lock (errors) errors.Add($"connection {i}, first request: {e.Message.Split('\n')[0]}");
                }
            }));
            await Task.Delay(idle);
            await Task.WhenAll(sockets.Select(async (_, i) =>
            {
                if (first[i] is null || streams[i] is not { } stream) return;
                try
                {
                    using var cts = new CancellationTokenSource(timeout);
                    var second = await AskAsync(stream, address, port, cts.Token);
                    if (second == first[i]) Interlocked.Increment(ref same);
                    else
                    {
                        Interlocked.Increment(ref changed);
                        lock (errors) errors.Add($"connection {i}: {first[i]} before the pause, {second} after");
                    }
                }
                catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or FormatException)
                {
                    lock (errors) errors.Add($"connection {i}, after {idle.TotalSeconds:F0} s idle: {e.Message.Split('\n')[0]}");
                }
            }));
        }
        finally
        {
            foreach (var stream in streams) stream?.Dispose();
            foreach (var socket in sockets) socket.Dispose();
        }
        var byInstance = new JsonObject();
        foreach (var g in first.Where(f => f is not null).GroupBy(f => f!).OrderBy(g => g.Key, StringComparer.Ordinal)) byInstance[g.Key] = g.Count();
        return new JsonObject
        {
            ["connections"] = connections,
            ["idle_s"] = idle.TotalSeconds,
            ["same"] = same,
            ["changed"] = changed,
            ["failed"] = connections - same - changed,
            ["first_answers"] = byInstance,
            ["errors"] = new JsonArray(errors.Take(10).Select(e => (JsonNode?)JsonValue.Create(e)).ToArray()),
        }.ToJsonString();
    }

    /// <summary>One GET on a kept-alive connection; the instance that answered.</summary>
    private static async Task<string> AskAsync(NetworkStream stream, IPAddress address, int port, CancellationToken ct)
    {
        var host = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: keep-alive\r\n\r\n"), ct);
        var (head, body) = await ReadHeadAsync(stream, ct);
        var length = head.Split("\r\n").Select(l => l.Split(':', 2)).FirstOrDefault(p => p.Length == 2 && p[0].Trim().Equals("content-length", StringComparison.OrdinalIgnoreCase)) is { } h
            ? int.Parse(h[1].Trim(), CultureInfo.InvariantCulture)
            : throw new IOException($"no Content-Length in the answer: {head.Split("\r\n")[0]}");
        while (body.Count < length)
        {
            var chunk = new byte[length - body.Count];
            var n = await stream.ReadAsync(chunk, ct);
            if (n == 0) throw new IOException("the connection closed inside an answer");
            body.AddRange(chunk.AsSpan(0, n));
        }
        if (!head.Contains("keep-alive", StringComparison.OrdinalIgnoreCase)) throw new IOException($"the server did not keep the connection: {head.Split("\r\n")[0]}");
        return JsonNode.Parse(Encoding.UTF8.GetString(body.ToArray()))?["instance"]?.GetValue<string>() ?? throw new IOException("an answer without an instance");
    }

    private static async Task<(string Head, List<byte> Body)> ReadHeadAsync(NetworkStream stream, CancellationToken ct)
    {
        var buffer = new List<byte>();
        var chunk = new byte[4096];
        while (true)
        {
            var n = await stream.ReadAsync(chunk, ct);
            if (n == 0) throw new IOException(buffer.Count == 0 ? "the connection was closed (or reset) before an answer" : "the connection closed inside an answer");
            buffer.AddRange(chunk.AsSpan(0, n));
            var all = buffer.ToArray();
            var end = all.AsSpan().IndexOf("\r\n\r\n"u8);
            if (end >= 0) return (Encoding.ASCII.GetString(all, 0, end), [.. all[(end + 4)..]]);
        }
    }
}
