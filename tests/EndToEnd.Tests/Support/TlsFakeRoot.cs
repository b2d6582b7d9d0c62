using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Oakestra.Actors.EndToEnd.Tests.Support;

/// <summary>
/// An HTTPS stand-in for a root on 127.0.0.1 (HttpListener has no TLS on Linux): presents the given certificate
/// and answers every request with one canned JSON body; counts the requests that got through the handshake.
/// </summary>
public sealed class TlsFakeRoot : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly X509Certificate2 _certificate;
    private readonly string _body;
    private readonly Task _loop;
    private int _answered;

    public TlsFakeRoot(string certificatePem, string keyPem, string body)
    {
        _certificate = X509Certificate2.CreateFromPemFile(certificatePem, keyPem);
        _body = body;
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Url => $"https://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
    public int Answered => Volatile.Read(ref _answered);

    private async Task LoopAsync()
    {
        while (true)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(); }
            catch (Exception) { return; }
            _ = Task.Run(() => AnswerAsync(client));
        }
    }

    private async Task AnswerAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                await using var tls = new SslStream(client.GetStream());
                await tls.AuthenticateAsServerAsync(_certificate);
                var head = new StringBuilder();
                var buffer = new byte[4096];
                while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var n = await tls.ReadAsync(buffer);
                    if (n == 0) return;
                    head.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }
                var body = Encoding.UTF8.GetBytes(_body);
                await tls.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"));
                await tls.WriteAsync(body);
                Interlocked.Increment(ref _answered);
            }
            catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException) { } // the client refused us
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        try { _loop.Wait(TimeSpan.FromSeconds(2)); } catch (AggregateException) { }
        _certificate.Dispose();
    }
}
