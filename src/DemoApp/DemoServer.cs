using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Oakestra.Actors.DemoApp;

/// <summary>
/// One port, TCP and UDP, IPv4 and IPv6 (dual-stack sockets). TCP speaks just enough HTTP/1.1:
/// any GET answers the identity as JSON; <c>POST /stream</c> reads Content-Length bytes, hashes them
/// and says whether they match the client's <c>X-Sha256</c>. A UDP datagram gets the identity back,
/// with the text it carried.
/// </summary>
public sealed class DemoServer : IAsyncDisposable
{
    private readonly Identity _identity;
    private readonly Socket _tcp;
    private readonly Socket _udp;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];

    public DemoServer(Identity identity, int port, IPAddress? bind = null)
    {
        _identity = identity;
        bind ??= Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any;
        _tcp = NewSocket(bind, SocketType.Stream, ProtocolType.Tcp);
        _tcp.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _tcp.Bind(new IPEndPoint(bind, port));
        _tcp.Listen(512);
        var bound = ((IPEndPoint)_tcp.LocalEndPoint!).Port;
        _udp = NewSocket(bind, SocketType.Dgram, ProtocolType.Udp);
        _udp.Bind(new IPEndPoint(bind, bound));
        Port = bound;
    }

    /// <summary>The port both sockets are bound to (useful when asked for port 0).</summary>
    public int Port { get; }

    private static Socket NewSocket(IPAddress bind, SocketType type, ProtocolType protocol)
    {
        var s = new Socket(bind.AddressFamily, type, protocol);
        if (bind.AddressFamily == AddressFamily.InterNetworkV6) s.DualMode = true;
        return s;
    }

    public DemoServer Start()
    {
        _loops.Add(Task.Run(AcceptLoop));
        _loops.Add(Task.Run(UdpLoop));
        return this;
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _tcp.AcceptAsync(_stop.Token); }
            catch (Exception) when (_stop.IsCancellationRequested) { return; }
            catch (SocketException) { continue; }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task UdpLoop()
    {
        var buffer = new byte[65535];
        EndPoint any = new IPEndPoint(_udp.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try { r = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token); }
            catch (Exception) when (_stop.IsCancellationRequested) { return; }
            catch (SocketException) { continue; }
            var answer = _identity.Describe(r.RemoteEndPoint, "udp");
            answer["request"] = Encoding.UTF8.GetString(buffer, 0, r.ReceivedBytes);
            try { await _udp.SendToAsync(Encoding.UTF8.GetBytes(answer.ToJsonString()), SocketFlags.None, r.RemoteEndPoint, _stop.Token); }
            catch (SocketException) { }
        }
    }

    /// <summary>How long a kept-alive connection may stay silent between two requests (the idle-flow tests wait 20 s).</summary>
    private static readonly TimeSpan KeepAliveIdle = TimeSpan.FromSeconds(120);

    private async Task ServeAsync(Socket client)
    {
        using (client)
        await using (var stream = new NetworkStream(client, ownsSocket: false))
        {
            try
            {
                // One request per connection, unless the client asks to keep it (Connection: keep-alive): then the
                // connection is served until the client closes it or stays silent for KeepAliveIdle.
                var wait = TimeSpan.FromSeconds(30);
                while (await ServeOneAsync(client, stream, wait)) wait = KeepAliveIdle;
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or FormatException)
            {
                // A client that went away or spoke nonsense: nothing to answer.
            }
        }
    }

    /// <summary>Answers one request; true when the client asked to keep the connection for another.</summary>
    private async Task<bool> ServeOneAsync(Socket client, NetworkStream stream, TimeSpan wait)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(wait);
        var (head, leftover) = await ReadHeadAsync(stream, timeout.Token);
        if (head is null) return false;
        var lines = head.Split("\r\n");
        var requestLine = lines[0].Split(' ');
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
        JsonObject answer;
        var status = "200 OK";
        if (requestLine is ["POST", "/stream", ..])
        {
            timeout.CancelAfter(Timeout.InfiniteTimeSpan);
            answer = await ReceiveStreamAsync(stream, leftover, headers, client.RemoteEndPoint, _stop.Token);
        }
        else if (requestLine is ["GET", ..])
        {
            answer = _identity.Describe(client.RemoteEndPoint, "tcp");
        }
        else
        {
            status = "405 Method Not Allowed";
            answer = new JsonObject { ["error"] = "GET or POST /stream" };
        }
        var keep = string.Equals(headers.GetValueOrDefault("connection"), "keep-alive", StringComparison.OrdinalIgnoreCase) && requestLine is ["GET", ..];
        var body = Encoding.UTF8.GetBytes(answer.ToJsonString() + "\n");
        var response = Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: {(keep ? "keep-alive" : "close")}\r\n\r\n");
        await stream.WriteAsync(response, _stop.Token);
        await stream.WriteAsync(body, _stop.Token);
        if (!keep) client.Shutdown(SocketShutdown.Send);
        return keep;
    }

    private async Task<JsonObject> ReceiveStreamAsync(Stream stream, byte[] leftover, Dictionary<string, string> headers, EndPoint? remote, CancellationToken ct)
    {
        var length = long.Parse(headers.GetValueOrDefault("content-length", "0"), System.Globalization.CultureInfo.InvariantCulture);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var take = (int)Math.Min(leftover.Length, length);
        hash.AppendData(leftover, 0, take);
        long received = take;
        var buffer = new byte[256 * 1024];
        while (received < length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - received)), ct);
            if (n == 0) break;
            hash.AppendData(buffer, 0, n);
            received += n;
        }
        var sha = Convert.ToHexStringLower(hash.GetHashAndReset());
        var expected = headers.GetValueOrDefault("x-sha256");
        var answer = _identity.Describe(remote, "tcp");
        answer["bytes"] = received;
        answer["sha256"] = sha;
        answer["intact"] = received == length && (expected is null || string.Equals(expected, sha, StringComparison.OrdinalIgnoreCase));
        return answer;
    }

    /// <summary>Reads up to the blank line; returns the head and whatever body bytes came with it.</summary>
    private static async Task<(string? Head, byte[] Leftover)> ReadHeadAsync(Stream stream, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        var filled = 0;
        while (filled < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(filled), ct);
            if (n == 0) return (null, []);
            filled += n;
            var end = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8);
            if (end >= 0) return (Encoding.ASCII.GetString(buffer, 0, end), buffer[(end + 4)..filled]);
        }
        return (null, []);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _tcp.Close();
        _udp.Close();
        try { await Task.WhenAll(_loops); } catch (Exception) { }
        _stop.Dispose();
    }
}
