using Oakestra.Actors.DataPlane.Native;

namespace Oakestra.Actors.DataPlane.Tunnel;

/// <summary>
/// AES-256-GCM on OpenSSL's EVP with one context per direction, keyed once: per packet only the nonce is
/// set, so a seal or open is the cipher's own work plus five calls, and a failed open is a return value.
/// Not thread-safe (a context holds the call's state): one per loop thread, as <see cref="SessionCipher"/> is.
/// </summary>
internal sealed unsafe class EvpAesGcm : IDisposable
{
    private nint _seal, _open;

    public EvpAesGcm(ReadOnlySpan<byte> sendKey, ReadOnlySpan<byte> receiveKey)
    {
        if (sendKey.Length != 32 || receiveKey.Length != 32) throw new ArgumentException("AES-256 keys are 32 bytes");
        try
        {
            _seal = NewContext(sendKey, encrypt: 1);
            _open = NewContext(receiveKey, encrypt: 0);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private static nint NewContext(ReadOnlySpan<byte> key, int encrypt)
    {
        var ctx = Libc.EvpCipherCtxNew();
        if (ctx == 0) throw new InvalidOperationException("EVP_CIPHER_CTX_new failed");
        fixed (byte* k = key)
        {
            if (Libc.EvpCipherInit(ctx, Libc.EvpAes256Gcm(), 0, k, null, encrypt) != 1)
            {
                Libc.EvpCipherCtxFree(ctx);
                throw new InvalidOperationException("EVP_CipherInit_ex (aes-256-gcm) failed");
            }
        }
        return ctx;
    }

    /// <summary>Encrypts <paramref name="data"/> in place and writes the 16-byte tag; false only if OpenSSL refuses a call.</summary>
    public bool Seal(byte* nonce, byte* ad, int adLength, byte* data, int length, byte* tag)
    {
        int n;
        return Run(_seal, nonce, ad, adLength, data, length)
            && Libc.EvpCipherFinal(_seal, data + length, &n) == 1 // GCM writes nothing here
            && Libc.EvpCipherCtxCtrl(_seal, Libc.EVP_CTRL_GCM_GET_TAG, SessionCipher.TagLength, tag) == 1;
    }

    /// <summary>
    /// Decrypts <paramref name="data"/> in place and checks the tag; false when it does not match (the bytes are
    /// then garbage: the caller drops the datagram).
    /// </summary>
    public bool Open(byte* nonce, byte* ad, int adLength, byte* data, int length, byte* tag)
    {
        int n;
        return Run(_open, nonce, ad, adLength, data, length)
            && Libc.EvpCipherCtxCtrl(_open, Libc.EVP_CTRL_GCM_SET_TAG, SessionCipher.TagLength, tag) == 1
            && Libc.EvpCipherFinal(_open, data + length, &n) == 1;
    }

    /// <summary>A new nonce on the keyed context, then the associated data and the data in place.</summary>
    private static bool Run(nint ctx, byte* nonce, byte* ad, int adLength, byte* data, int length)
    {
        int n;
        return Libc.EvpCipherInit(ctx, 0, 0, null, nonce, -1) == 1
            && Libc.EvpCipherUpdate(ctx, null, &n, ad, adLength) == 1
            && (length == 0 || Libc.EvpCipherUpdate(ctx, data, &n, data, length) == 1);
    }

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    ~EvpAesGcm() => Free();

    private void Free()
    {
        if (_seal != 0) Libc.EvpCipherCtxFree(_seal);
        if (_open != 0) Libc.EvpCipherCtxFree(_open);
        _seal = _open = 0;
    }
}
