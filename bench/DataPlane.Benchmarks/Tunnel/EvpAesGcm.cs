using System.Runtime.InteropServices;

namespace Oakestra.Actors.DataPlane.Benchmarks.Tunnel;

/// <summary>
/// AES-256-GCM straight on OpenSSL's EVP with one context per key (only the nonce set per packet): how much
/// of the runtime's per-packet cost is the cipher and how much its call work. Benchmark only.
/// </summary>
internal sealed unsafe partial class EvpAesGcm : IDisposable
{
    private const string Lib = "libcrypto.so.3";
    private const int GetTag = 0x10, SetTag = 0x11;
    [LibraryImport(Lib)] private static partial nint EVP_CIPHER_CTX_new();
    [LibraryImport(Lib)] private static partial void EVP_CIPHER_CTX_free(nint ctx);
    [LibraryImport(Lib)] private static partial nint EVP_aes_256_gcm();
    [LibraryImport(Lib)] private static partial int EVP_CipherInit_ex(nint ctx, nint cipher, nint engine, byte* key, byte* iv, int enc);
    [LibraryImport(Lib)] private static partial int EVP_CipherUpdate(nint ctx, byte* output, int* outputLength, byte* input, int inputLength);
    [LibraryImport(Lib)] private static partial int EVP_CipherFinal_ex(nint ctx, byte* output, int* outputLength);
    [LibraryImport(Lib)] private static partial int EVP_CIPHER_CTX_ctrl(nint ctx, int type, int arg, void* ptr);

    private readonly nint _seal, _open;

    public EvpAesGcm(byte[] key)
    {
        _seal = EVP_CIPHER_CTX_new();
        _open = EVP_CIPHER_CTX_new();
        fixed (byte* k = key)
        {
            EVP_CipherInit_ex(_seal, EVP_aes_256_gcm(), 0, k, null, 1);
            EVP_CipherInit_ex(_open, EVP_aes_256_gcm(), 0, k, null, 0);
        }
    }

    public void Seal(byte* nonce, byte* ad, int adLength, byte* data, int length, byte* tag)
    {
        int n;
        EVP_CipherInit_ex(_seal, 0, 0, null, nonce, -1);
        EVP_CipherUpdate(_seal, null, &n, ad, adLength);
        EVP_CipherUpdate(_seal, data, &n, data, length);
        EVP_CipherFinal_ex(_seal, data + n, &n);
        EVP_CIPHER_CTX_ctrl(_seal, GetTag, 16, tag);
    }

    public bool Open(byte* nonce, byte* ad, int adLength, byte* data, int length, byte* tag)
    {
        int n;
        EVP_CipherInit_ex(_open, 0, 0, null, nonce, -1);
        EVP_CipherUpdate(_open, null, &n, ad, adLength);
        EVP_CipherUpdate(_open, data, &n, data, length);
        EVP_CIPHER_CTX_ctrl(_open, SetTag, 16, tag);
        return EVP_CipherFinal_ex(_open, data + n, &n) > 0;
    }

    public void Dispose()
    {
        EVP_CIPHER_CTX_free(_seal);
        EVP_CIPHER_CTX_free(_open);
    }
}
