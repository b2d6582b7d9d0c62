using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Oakestra.Actors.EndToEnd.Tests.Support;

/// <summary>
/// A stand-in for the root's HTTP API on 127.0.0.1: canned answers per "METHOD /path", every request
/// recorded (method, path, body) so tests can check what the CLI sent.
/// </summary>
public sealed class FakeRoot : IDisposable
{
    private readonly HttpListener _listener;
    private readonly Dictionary<string, (int Status, string Body)> _answers = new(StringComparer.Ordinal);
    private readonly Task _loop;

    public FakeRoot(string host = "127.0.0.1")
    {
        Host = host;
        // A free port can be taken by a parallel test between asking and listening: try another.
        for (var attempt = 0; ; attempt++)
        {
            Port = FreePort();
            _listener = new HttpListener();
            _listener.Prefixes.Add($"http://{host}:{Port}/");
            try { _listener.Start(); break; }
            catch (HttpListenerException) when (attempt < 20) { _listener.Close(); }
        }
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }
    public string Host { get; }
    public string Url => $"http://{Host}:{Port}";
    public List<(string Method, string Path, string Body)> Requests { get; } = [];
    /// <summary>The Authorization header of each request, in the order of <see cref="Requests"/> (null: none sent).</summary>
    public List<string?> Authorizations { get; } = [];
    /// <summary>The Idempotency-Key header of each request, in the order of <see cref="Requests"/> (null: none sent).</summary>
    public List<string?> IdempotencyKeys { get; } = [];
    /// <summary>The query string of each request (with its '?', or ""), in the order of <see cref="Requests"/>.</summary>
    public List<string> Queries { get; } = [];

    public FakeRoot On(string method, string path, int status, string body)
    {
        lock (_answers) _answers[$"{method} {path}"] = (status, body);
        return this;
    }

    public IEnumerable<(string Method, string Path, string Body)> Sent(string method, string path)
    {
        lock (Requests) return Requests.Where(r => r.Method == method && r.Path == path).ToList();
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            using var reader = new StreamReader(ctx.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var path = ctx.Request.Url!.AbsolutePath;
            lock (Requests)
            {
                Requests.Add((ctx.Request.HttpMethod, path, body));
                Authorizations.Add(ctx.Request.Headers["Authorization"]);
                IdempotencyKeys.Add(ctx.Request.Headers["Idempotency-Key"]);
                Queries.Add(ctx.Request.Url.Query);
            }
            (int Status, string Body) answer;
            lock (_answers)
                answer = _answers.TryGetValue($"{ctx.Request.HttpMethod} {path}", out var a) ? a
                    : (404, $$"""{"error":"no canned answer for {{ctx.Request.HttpMethod}} {{path}}","field":null,"rule":null}""");
            var bytes = Encoding.UTF8.GetBytes(answer.Body);
            ctx.Response.StatusCode = answer.Status;
            ctx.Response.ContentType = "application/json";
            ctx.Response.ContentLength64 = bytes.Length;
            await ctx.Response.OutputStream.WriteAsync(bytes);
            ctx.Response.Close();
        }
    }

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public void Dispose()
    {
        // Close alone: Stop then Close makes the managed listener look its endpoint up again, which
        // can bind the (by then reused) port anew and throw.
        try { _listener.Close(); } catch (HttpListenerException) { }
        try { _loop.Wait(TimeSpan.FromSeconds(2)); } catch (AggregateException) { }
    }
}
