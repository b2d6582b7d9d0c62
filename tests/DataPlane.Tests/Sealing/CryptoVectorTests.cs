using System.Security.Cryptography;
using Oakestra.Actors.DataPlane.Tunnel;
using Xunit;

namespace Oakestra.Actors.DataPlane.Tests.Sealing;

/// <summary>The primitives against their RFCs' published vectors, independent of this code's own round trips.</summary>
public sealed class CryptoVectorTests
{
    [Fact]
    public void X25519_matches_RFC7748_section_6_1()
    {
        var alicePrivate = Convert.FromHexString("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        var bobPrivate = Convert.FromHexString("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
        var alicePublic = Convert.FromHexString("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
        var bobPublic = Convert.FromHexString("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
        var shared = Convert.FromHexString("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");

        Assert.Equal(alicePublic, X25519.PublicKeyOf(alicePrivate));
        Assert.Equal(bobPublic, X25519.PublicKeyOf(bobPrivate));
        Assert.Equal(shared, X25519.SharedSecret(alicePrivate, bobPublic));
        Assert.Equal(shared, X25519.SharedSecret(bobPrivate, alicePublic));
    }

    [Fact]
    public void X25519_refuses_a_low_order_peer_key()
    {
        // u = 0 is a point of small order: every private key gives the all-zero secret (RFC 7748 §6.1 says check).
        Assert.Throws<CryptographicException>(() => X25519.SharedSecret(X25519.GeneratePrivateKey(), new byte[32]));
    }

    [Fact]
    public void HKDF_SHA256_matches_RFC5869_test_case_1()
    {
        var ikm = Convert.FromHexString("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
        var salt = Convert.FromHexString("000102030405060708090a0b0c");
        var info = Convert.FromHexString("f0f1f2f3f4f5f6f7f8f9");
        var okm = HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, 42, salt, info);
        Assert.Equal(Convert.FromHexString("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"), okm);
        Assert.Equal(Convert.FromHexString("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"),
            HKDF.Extract(HashAlgorithmName.SHA256, ikm, salt));
    }
}
