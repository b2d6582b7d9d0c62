using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Oakestra.Actors.DataPlane.Native;

namespace Oakestra.Actors.DataPlane.Tunnel;

/// <summary>
/// The node's UDP tunnel socket (non-blocking) and its current peer list. Datagrams are moved in batches by
/// the forwarding loop (recvmmsg/sendmmsg); this object holds what the owner sees: the peer list it
/// publishes and the RTT measured to each peer. The socket lives in the network namespace of the thread
/// that calls <see cref="Open"/>.
/// </summary>
public sealed unsafe class UdpTunnel : IDisposable
{
    private int _fd;
    private PeerTable _peers = PeerTable.Empty;
    private readonly Lock _publishLock = new();

    // Every session made in this process, so a peer that leaves the list and comes back under the same
    // start gets its session (and counter) back: a fresh counter under the same key would reuse nonces.
    private readonly List<PeerSession> _sessions = [];

    private UdpTunnel(int fd, int family, IPEndPoint local, UdpTunnelOptions options)
    {
        _fd = fd; Family = family; LocalEndPoint = local; Options = options;
        Identity = options.Identity ?? TunnelIdentity.Ephemeral();
    }

    public IPEndPoint LocalEndPoint { get; }
    public UdpTunnelOptions Options { get; }
    public TunnelSecurity Security => Options.Security;
    internal bool Sealed => Options.Security == TunnelSecurity.Aead;

    /// <summary>This node's public key and salt: what its peers need to talk to it.</summary>
    public TunnelIdentity Identity { get; }

    /// <summary>Bytes the tunnel adds to an inner packet on the wire: tunnel header (+ tag when sealed) + UDP + outer IP (IPv6 when dual-stack).</summary>
    public int Overhead => TunnelHeader.Length + (Sealed ? SessionCipher.TagLength : 0) + 8 + (Family == Libc.AF_INET ? 20 : 40);

    internal int Family { get; }
    internal int Fd => _fd >= 0 ? _fd : throw new ObjectDisposedException(nameof(UdpTunnel));
    internal PeerTable Peers => Volatile.Read(ref _peers);

    public static UdpTunnel Open(UdpTunnelOptions? options = null)
    {
        options ??= new UdpTunnelOptions();
        var v4 = options.BindAddress.AddressFamily == AddressFamily.InterNetwork;
        var family = v4 ? Libc.AF_INET : Libc.AF_INET6;
        var fd = Libc.Socket(family, Libc.SOCK_DGRAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0) throw new IOException($"socket failed: errno {Libc.Errno}");
        try
        {
            var zero = 0;
            if (!v4 && Libc.SetSockOpt(fd, Libc.IPPROTO_IPV6, Libc.IPV6_V6ONLY, &zero, 4) != 0)
                throw new IOException($"IPV6_V6ONLY failed: errno {Libc.Errno}");
            var size = options.SocketBufferBytes;
            if (Libc.SetSockOpt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUFFORCE, &size, 4) != 0) Libc.SetSockOpt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF, &size, 4);
            if (Libc.SetSockOpt(fd, Libc.SOL_SOCKET, Libc.SO_SNDBUFFORCE, &size, 4) != 0) Libc.SetSockOpt(fd, Libc.SOL_SOCKET, Libc.SO_SNDBUF, &size, 4);
            // Runs of datagrams from one peer arrive as one entry (split by the loop): one receive per run, not per datagram.
            // Kernels without UDP GRO (before 5.0) refuse it and deliver datagrams one by one, which the loop takes too.
            var one = 1;
            Libc.SetSockOpt(fd, Libc.SOL_UDP, Libc.UDP_GRO, &one, 4);

            var sa = stackalloc byte[28];
            var key = PeerKey.From(new IPEndPoint(options.BindAddress, options.Port));
            var saLen = key.Write(sa, family);
            if (Libc.Bind(fd, sa, saLen) != 0) throw new IOException($"bind {options.BindAddress}:{options.Port} failed: errno {Libc.Errno}");
            uint len = 28;
            Libc.GetSockName(fd, sa, &len);
            var port = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(sa + 2, 2));
            return new UdpTunnel(fd, family, new IPEndPoint(options.BindAddress, port), options);
        }
        catch
        {
            Libc.Close(fd);
            throw;
        }
    }

    /// <summary>
    /// Replaces the peer list with one reference swap (callable from any thread). Index i is the peer that
    /// PacketMeta.PeerIndex = i names in both directions; null entries keep a retired index unused.
    /// Datagrams from endpoints not in the list are dropped and counted. RTT state survives for endpoints
    /// that stay in the list.
    /// </summary>
    public void PublishPeers(IReadOnlyList<IPEndPoint?> peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        PublishPeers(peers.Select(p => p is null ? null : new TunnelPeer(p)).ToArray());
    }

    /// <summary>
    /// As above, with each peer's public key and salt: the pair keys are derived here, on the publisher's
    /// thread, and a peer whose key and salt did not change keeps its session (counter and replay window).
    /// </summary>
    public void PublishPeers(IReadOnlyList<TunnelPeer?> peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        lock (_publishLock) // publishers only; the loop never takes it
        {
            var sessions = new PeerSession?[peers.Count];
            for (var i = 0; i < peers.Count; i++)
                if (Sealed && peers[i] is { HasKey: true } p) sessions[i] = SessionFor(p.PublicKey!, p.Salt!);
            Volatile.Write(ref _peers, PeerTable.Build(peers.Select(p => p?.EndPoint).ToArray(), sessions, _peers));
        }
    }

    private PeerSession SessionFor(byte[] publicKey, byte[] salt)
    {
        foreach (var s in _sessions)
            if (s.Matches(publicKey, salt)) return s;
        var session = PeerSession.Create(Identity, publicKey.ToArray(), salt.ToArray());
        _sessions.Add(session);
        return session;
    }

    /// <summary>The session the current list holds for <paramref name="peer"/>, if it has a key.</summary>
    public PeerSession? SessionOf(IPEndPoint peer)
    {
        var table = Peers;
        var i = table.IndexOf(PeerKey.From(peer));
        return i >= 0 ? table.Sessions[i] : null;
    }

    /// <summary>The published peer list.</summary>
    public IReadOnlyList<IPEndPoint?> CurrentPeers => Peers.EndPoints;

    /// <summary>RTT state of every present peer, by index of the current list (null for retired slots).</summary>
    public IReadOnlyList<PeerRttState?> Rtts => Peers.States;

    /// <summary>
    /// The RTT Closest decides by: the recent minimum to <paramref name="peer"/> (see <see cref="PeerRttState"/>),
    /// if it is in the list and has answered a probe.
    /// </summary>
    public bool TryGetRtt(IPEndPoint peer, out TimeSpan rtt)
    {
        var table = Peers;
        var i = table.IndexOf(PeerKey.From(peer));
        if (i >= 0 && table.States[i]?.Minimum is { } m) { rtt = m; return true; }
        rtt = default;
        return false;
    }

    /// <summary>Closes the socket. Dispose the forwarding loop using it first.</summary>
    public void Dispose()
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0) Libc.Close(fd);
    }
}
