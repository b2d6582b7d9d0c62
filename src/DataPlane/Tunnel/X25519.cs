using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Oakestra.Actors.DataPlane.Tunnel;

/// <summary>
/// X25519 (RFC 7748) through OpenSSL's libcrypto: System.Security.Cryptography has no X25519 on Linux, and
/// the runtime already loads libcrypto.so.3 for its own crypto, so this adds no dependency.
/// </summary>
internal static unsafe partial class X25519
{
    public const int KeyLength = 32;
    private const string Lib = "libcrypto.so.3";
    private const int EVP_PKEY_X25519 = 1034; // NID_X25519

    [LibraryImport(Lib)] private static partial nint EVP_PKEY_CTX_new_id(int id, nint engine);
    [LibraryImport(Lib)] private static partial nint EVP_PKEY_CTX_new(nint pkey, nint engine);
    [LibraryImport(Lib)] private static partial void EVP_PKEY_CTX_free(nint ctx);
    [LibraryImport(Lib)] private static partial int EVP_PKEY_keygen_init(nint ctx);
    [LibraryImport(Lib)] private static partial int EVP_PKEY_keygen(nint ctx, nint* pkey);
    [LibraryImport(Lib)] private static partial int EVP_PKEY_derive_init(nint ctx);
    [LibraryImport(Lib)] private static partial int EVP_PKEY_derive_set_peer(nint ctx, nint peer);
    [LibraryImport(Lib)] private static partial int EVP_PKEY_derive(nint ctx, byte* key, nuint* length);
    [LibraryImport(Lib)] private static partial nint EVP_PKEY_new_raw_private_key(int type, nint engine, byte* key, nuint length);
    [LibraryImport(Lib)] private static partial nint EVP_PKEY_new_raw_public_key(int type, nint engine, byte* key, nuint length);
    [LibraryImport(Lib)] private static partial int EVP_PKEY_get_raw_private_key(nint pkey, byte* key, nuint* length);
    [LibraryImport(Lib)] private static partial int EVP_PKEY_get_raw_public_key(nint pkey, byte* key, nuint* length);
    [LibraryImport(Lib)] private static partial void EVP_PKEY_free(nint pkey);

    /// <summary>A fresh private key (32 bytes, clamped by OpenSSL when used).</summary>
    public static byte[] GeneratePrivateKey()
    {
        var ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, 0);
        if (ctx == 0) throw new CryptographicException("EVP_PKEY_CTX_new_id(X25519) failed");
        nint pkey = 0;
        try
        {
            if (EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &pkey) != 1) throw new CryptographicException("X25519 keygen failed");
            var key = new byte[KeyLength];
            nuint length = KeyLength;
            fixed (byte* k = key)
                if (EVP_PKEY_get_raw_private_key(pkey, k, &length) != 1 || length != KeyLength) throw new CryptographicException("X25519 private key export failed");
            return key;
        }
        finally
        {
            if (pkey != 0) EVP_PKEY_free(pkey);
            EVP_PKEY_CTX_free(ctx);
        }
    }

    public static byte[] PublicKeyOf(ReadOnlySpan<byte> privateKey)
    {
        var pkey = PrivateKey(privateKey);
        try
        {
            var key = new byte[KeyLength];
            nuint length = KeyLength;
            fixed (byte* k = key)
                if (EVP_PKEY_get_raw_public_key(pkey, k, &length) != 1 || length != KeyLength) throw new CryptographicException("X25519 public key export failed");
            return key;
        }
        finally { EVP_PKEY_free(pkey); }
    }

    /// <summary>
    /// The shared secret X25519(private, peerPublic). Throws for a peer key of low order (OpenSSL refuses an
    /// all-zero result), so a peer cannot force a known secret.
    /// </summary>
    public static byte[] SharedSecret(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> peerPublicKey)
    {
        if (peerPublicKey.Length != KeyLength) throw new ArgumentException("X25519 public keys are 32 bytes", nameof(peerPublicKey));
        var own = PrivateKey(privateKey);
        nint peer = 0, ctx = 0;
        try
        {
            fixed (byte* p = peerPublicKey) peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, 0, p, KeyLength);
            if (peer == 0) throw new CryptographicException("X25519 peer key rejected");
            ctx = EVP_PKEY_CTX_new(own, 0);
            if (ctx == 0 || EVP_PKEY_derive_init(ctx) != 1 || EVP_PKEY_derive_set_peer(ctx, peer) != 1)
                throw new CryptographicException("X25519 derive setup failed");
            var secret = new byte[KeyLength];
            nuint length = KeyLength;
            fixed (byte* s = secret)
                if (EVP_PKEY_derive(ctx, s, &length) != 1 || length != KeyLength) throw new CryptographicException("X25519 derive failed (low-order peer key?)");
            return secret;
        }
        finally
        {
            if (ctx != 0) EVP_PKEY_CTX_free(ctx);
            if (peer != 0) EVP_PKEY_free(peer);
            EVP_PKEY_free(own);
        }
    }

    private static nint PrivateKey(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != KeyLength) throw new ArgumentException("X25519 private keys are 32 bytes", nameof(privateKey));
        nint pkey;
        fixed (byte* k = privateKey) pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, 0, k, KeyLength);
        return pkey != 0 ? pkey : throw new CryptographicException("X25519 private key rejected");
    }
}
