using System.Security.Cryptography;

namespace Oakestra.Actors.DataPlane.Tunnel;

/// <summary>
/// What this node brings to every pair's key schedule for one start: its key pair and a salt drawn at
/// start. A new salt on every start gives every pair new keys, so a counter that starts again at 0 never
/// meets an old key (no nonce reuse across restarts).
/// </summary>
public sealed class TunnelIdentity
{
    public const int SaltLength = 16;

    public TunnelIdentity(NodeKeyPair keys, byte[]? salt = null)
    {
        Keys = keys;
        Salt = salt ?? RandomNumberGenerator.GetBytes(SaltLength);
        if (Salt.Length != SaltLength) throw new ArgumentException($"the per-start salt is {SaltLength} bytes", nameof(salt));
    }

    public NodeKeyPair Keys { get; }
    public byte[] PublicKey => Keys.PublicKey;
    public byte[] Salt { get; }

    public static TunnelIdentity Ephemeral() => new(NodeKeyPair.Generate());
}
