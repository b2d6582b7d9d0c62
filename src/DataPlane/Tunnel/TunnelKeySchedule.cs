using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Oakestra.Actors.DataPlane.Tunnel;

/// <summary>The keys of one node pair for one start of each side, seen from this node.</summary>
public sealed record PairKeys(byte[] SendKey, byte[] ReceiveKey, uint SendKeyId, uint ReceiveKeyId);

/// <summary>
/// Node pair keys: HKDF-SHA256 over the X25519 shared secret, salted with both sides' per-start salts and
/// bound to both public keys. Both sides order the pair by public key, so each computes the same two
/// direction keys without a handshake; a new salt on either side gives both directions new keys.
/// </summary>
public static class TunnelKeySchedule
{
    public const int KeyLength = 32;
    private static readonly byte[] Label = Encoding.ASCII.GetBytes("oakestra tunnel v1");

    public static PairKeys Derive(TunnelIdentity local, ReadOnlySpan<byte> peerPublicKey, ReadOnlySpan<byte> peerSalt)
    {
        if (peerSalt.Length != TunnelIdentity.SaltLength) throw new ArgumentException($"a peer's salt is {TunnelIdentity.SaltLength} bytes", nameof(peerSalt));
        var order = local.PublicKey.AsSpan().SequenceCompareTo(peerPublicKey);
        if (order == 0) throw new ArgumentException("a node is no peer of itself", nameof(peerPublicKey));
        var shared = local.Keys.SharedSecret(peerPublicKey);
        var localFirst = order < 0;
        ReadOnlySpan<byte> firstPublic = localFirst ? local.PublicKey : peerPublicKey, secondPublic = localFirst ? peerPublicKey : local.PublicKey;
        ReadOnlySpan<byte> firstSalt = localFirst ? local.Salt : peerSalt, secondSalt = localFirst ? peerSalt : local.Salt;

        var salt = new byte[2 * TunnelIdentity.SaltLength];
        firstSalt.CopyTo(salt);
        secondSalt.CopyTo(salt.AsSpan(TunnelIdentity.SaltLength));
        var info = new byte[Label.Length + 2 * X25519.KeyLength];
        Label.CopyTo(info, 0);
        firstPublic.CopyTo(info.AsSpan(Label.Length));
        secondPublic.CopyTo(info.AsSpan(Label.Length + X25519.KeyLength));

        // first→second key, second→first key, then a 32-bit id for each direction.
        var okm = HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, 2 * KeyLength + 8, salt, info);
        CryptographicOperations.ZeroMemory(shared);
        var forward = okm[..KeyLength];
        var backward = okm[KeyLength..(2 * KeyLength)];
        var forwardId = BinaryPrimitives.ReadUInt32BigEndian(okm.AsSpan(2 * KeyLength));
        var backwardId = BinaryPrimitives.ReadUInt32BigEndian(okm.AsSpan(2 * KeyLength + 4));
        CryptographicOperations.ZeroMemory(okm);
        return localFirst ? new PairKeys(forward, backward, forwardId, backwardId) : new PairKeys(backward, forward, backwardId, forwardId);
    }
}
