using System.Net;
using System.Net.Sockets;

namespace Oakestra.Actors.EndToEnd.Tests.Cli;

/// <summary>
/// A root that does not answer, on 127.0.0.1. <see cref="Mode.Mute"/>: takes every connection and never sends a
/// byte (a root process that hangs). <see cref="Mode.Unconnectable"/>: listens with its accept queue full and never
/// accepts, so the kernel drops a new connection's SYN and the connect times out (as across a cut link).
/// </summary>
public sealed class SilentRoot : IDisposable
{
    public enum Mode { Mute, Unconnectable }

    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<Socket> _held = [];
    private int _accepted;

    public SilentRoot(Mode mode)
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        if (mode == Mode.Mute)
        {
            _listener.Listen(64);
            _ = Task.Run(AcceptAsync);
        }
        else
        {
            // Backlog 0 holds one connection; the rest wait in SYN retries, and so will the CLI's.
            _listener.Listen(0);
            for (var i = 0; i < 3; i++)
            {
                var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
                try { filler.Connect(new IPEndPoint(IPAddress.Loopback, Port)); }
                catch (SocketException) { }
                _held.Add(filler);
            }
            Thread.Sleep(200);
        }
    }

    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Connections taken (Mute): each one is a request that reached this root.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    private async Task AcceptAsync()
    {
        while (true)
        {
            Socket s;
            try { s = await _listener.AcceptAsync(); }
            catch (Exception) { return; }
            Interlocked.Increment(ref _accepted);
            lock (_held) _held.Add(s);
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        lock (_held) foreach (var s in _held) s.Dispose();
    }
}
