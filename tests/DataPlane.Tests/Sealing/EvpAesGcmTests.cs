using System.Security.Cryptography;
using Oakestra.Actors.DataPlane.Tunnel;
using Xunit;

namespace Oakestra.Actors.DataPlane.Tests.Sealing;

/// <summary>
/// The tunnel's EVP AES-256-GCM against the runtime's AesGcm, computed independently: same key, nonce and
/// associated data give the same ciphertext and tag, so a node on either implementation talks to the other.
/// </summary>
public sealed unsafe class EvpAesGcmTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(1400)]
    [InlineData(65_000)]
    public void Ciphertext_and_tag_equal_the_runtimes_AesGcm(int length)
    {
        var random = new Random(length + 11);
        var key = new byte[32];
        var nonce = new byte[12];
        var ad = new byte[SessionCipher.HeaderLength];
        var plain = new byte[length];
        random.NextBytes(key); random.NextBytes(nonce); random.NextBytes(ad); random.NextBytes(plain);

        var expected = new byte[length];
        var expectedTag = new byte[16];
        using (var gcm = new AesGcm(key, 16)) gcm.Encrypt(nonce, plain, expected, expectedTag, ad);

        var data = plain.ToArray();
        var tag = new byte[16];
        using var evp = new EvpAesGcm(key, key);
        fixed (byte* n = nonce) fixed (byte* a = ad) fixed (byte* d = data) fixed (byte* t = tag)
        {
            Assert.True(evp.Seal(n, a, ad.Length, d, length, t));
            Assert.Equal(expected, data);
            Assert.Equal(expectedTag, tag);
            Assert.True(evp.Open(n, a, ad.Length, d, length, t));
            Assert.Equal(plain, data);
        }
    }

    [Fact]
    public void A_datagram_sealed_by_the_session_opens_with_the_runtimes_AesGcm_under_the_peers_receive_key()
    {
        var a = TunnelIdentity.Ephemeral();
        var b = TunnelIdentity.Ephemeral();
        var sending = PeerSession.Create(a, b.PublicKey, b.Salt);
        var receiving = PeerSession.Create(b, a.PublicKey, a.Salt);
        using var cipher = new SessionCipher(sending);
        const int payload = 1400;
        var d = new byte[SessionCipher.HeaderLength + payload + SessionCipher.TagLength];
        d[0] = 0x20; d[1] = 0x04;
        new Random(7).NextBytes(d.AsSpan(SessionCipher.HeaderLength, payload));
        var plain = d.AsSpan(SessionCipher.HeaderLength, payload).ToArray();
        fixed (byte* p = d) Assert.True(cipher.Seal(p, payload));

        var opened = new byte[payload];
        using var gcm = new AesGcm(receiving.Keys.ReceiveKey, 16);
        gcm.Decrypt(d.AsSpan(SessionCipher.NonceOffset, SessionCipher.NonceLength), d.AsSpan(SessionCipher.HeaderLength, payload),
            d.AsSpan(SessionCipher.HeaderLength + payload, 16), opened, d.AsSpan(0, SessionCipher.HeaderLength));
        Assert.Equal(plain, opened);
    }

    [Fact]
    public void A_wrong_tag_is_a_false_return_not_an_exception()
    {
        var key = new byte[32];
        using var evp = new EvpAesGcm(key, key);
        var buffer = new byte[12 + 24 + 100 + 16];
        fixed (byte* p = buffer)
        {
            Assert.True(evp.Seal(p, p + 12, 24, p + 36, 100, p + 136));
            p[140] ^= 1;
            Assert.False(evp.Open(p, p + 12, 24, p + 36, 100, p + 136));
        }
    }
}
