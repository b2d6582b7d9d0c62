using System.Net;

namespace Oakestra.Actors.DataPlane.Tunnel;

/// <summary>How to open the node's UDP tunnel socket.</summary>
public sealed record UdpTunnelOptions
{
    public const int DefaultPort = 50103;

    /// <summary>UDP port (0 = ephemeral, read it back from <see cref="UdpTunnel.LocalEndPoint"/>).</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>
    /// Local address. An IPv6 address (default <c>::</c>) opens a dual-stack socket that reaches IPv4 and IPv6
    /// peers; an IPv4 address opens an IPv4-only socket.
    /// </summary>
    public IPAddress BindAddress { get; init; } = IPAddress.IPv6Any;

    /// <summary>SO_RCVBUF / SO_SNDBUF (forced past rmem_max when running as root).</summary>
    public int SocketBufferBytes { get; init; } = 4 << 20;

    /// <summary>How often every peer is sent an RTT probe (by the loop thread serving the tunnel).</summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Sealed datagrams (default) or plain ones (benchmarks only).</summary>
    public TunnelSecurity Security { get; init; } = TunnelSecurity.Aead;

    /// <summary>This node's key pair and salt for this start; null makes a throwaway one (tests, benchmarks).</summary>
    public TunnelIdentity? Identity { get; init; }
}
