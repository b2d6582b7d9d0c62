using System.Net;

namespace Oakestra.Actors.DataPlane.Tunnel;

/// <summary>
/// A peer as the control plane describes it: where its tunnel listens and, once its registration is known,
/// its public key and the salt of its current start. Without a key the peer gets no sealed traffic.
/// </summary>
public sealed record TunnelPeer(IPEndPoint EndPoint, byte[]? PublicKey = null, byte[]? Salt = null)
{
    public bool HasKey => PublicKey is { Length: X25519.KeyLength } && Salt is { Length: TunnelIdentity.SaltLength };
}
