using Oakestra.Actors.DataPlane.Tunnel;
using Xunit;

namespace Oakestra.Actors.DataPlane.Tests.Sealing;

public sealed unsafe class SessionCipherTests
{
    private const int Payload = 1400;
    private static int DatagramLength => SessionCipher.HeaderLength + Payload + SessionCipher.TagLength;

    private static (SessionCipher Sender, SessionCipher Receiver) Pair()
    {
        var a = TunnelIdentity.Ephemeral();
        var b = TunnelIdentity.Ephemeral();
        return (new SessionCipher(PeerSession.Create(a, b.PublicKey, b.Salt)), new SessionCipher(PeerSession.Create(b, a.PublicKey, a.Salt)));
    }

    private static byte[] Sealed(SessionCipher sender, byte fill)
    {
        var d = new byte[DatagramLength];
        d[0] = 0x20; d[1] = 0x04;
        d.AsSpan(SessionCipher.HeaderLength, Payload).Fill(fill);
        fixed (byte* p = d) sender.Seal(p, Payload);
        return d;
    }

    private static OpenResult Open(SessionCipher receiver, byte[] datagram)
    {
        var copy = datagram.ToArray();
        fixed (byte* p = copy) return receiver.Open(p, copy.Length);
    }

    [Fact]
    public void A_sealed_packet_opens_to_its_plaintext_and_the_payload_on_the_wire_is_not_it()
    {
        var (tx, rx) = Pair();
        var d = Sealed(tx, 0x5A);
        Assert.NotEqual(Enumerable.Repeat((byte)0x5A, Payload).ToArray(), d.AsSpan(SessionCipher.HeaderLength, Payload).ToArray());
        fixed (byte* p = d) Assert.Equal(OpenResult.Ok, rx.Open(p, d.Length));
        Assert.All(d.AsSpan(SessionCipher.HeaderLength, Payload).ToArray(), b => Assert.Equal(0x5A, b));
    }

    [Theory]
    [InlineData(1)]      // a header flag (associated data)
    [InlineData(13)]     // the key id
    [InlineData(23)]     // the counter
    [InlineData(100)]    // the ciphertext
    [InlineData(-1)]     // the tag
    public void Any_tampered_byte_fails_authentication(int offset)
    {
        var (tx, rx) = Pair();
        var d = Sealed(tx, 1);
        d[offset < 0 ? d.Length + offset : offset] ^= 0x01;
        Assert.Equal(OpenResult.AuthFailed, Open(rx, d));
        // Nothing was taken from the window by the forgery: the genuine datagram still opens.
        d[offset < 0 ? d.Length + offset : offset] ^= 0x01;
        Assert.Equal(OpenResult.Ok, Open(rx, d));
    }

    [Fact]
    public void A_replayed_packet_is_refused_and_an_old_one_inside_the_window_is_taken_once()
    {
        var (tx, rx) = Pair();
        var first = Sealed(tx, 1);
        var later = Enumerable.Range(0, 100).Select(_ => Sealed(tx, 2)).ToArray();
        foreach (var d in later) Assert.Equal(OpenResult.Ok, Open(rx, d));
        Assert.Equal(OpenResult.Replayed, Open(rx, later[^1]));
        Assert.Equal(OpenResult.Ok, Open(rx, first));       // reordered, still in the window
        Assert.Equal(OpenResult.Replayed, Open(rx, first)); // but only once
    }

    [Fact]
    public void A_packet_older_than_the_window_is_refused()
    {
        var (tx, rx) = Pair();
        var old = Sealed(tx, 1);
        for (ulong i = 0; i < ReplayWindow.Size; i++) tx.Session.NextCounter(); // the sender moves on
        Assert.Equal(OpenResult.Ok, Open(rx, Sealed(tx, 2)));
        Assert.Equal(OpenResult.Replayed, Open(rx, old));
    }

    [Fact]
    public void A_packet_under_another_start_s_keys_fails_authentication()
    {
        var a = TunnelIdentity.Ephemeral();
        var b = TunnelIdentity.Ephemeral();
        var bRestarted = new TunnelIdentity(b.Keys);
        var tx = new SessionCipher(PeerSession.Create(bRestarted, a.PublicKey, a.Salt));
        var rx = new SessionCipher(PeerSession.Create(a, b.PublicKey, b.Salt));
        Assert.Equal(OpenResult.AuthFailed, Open(rx, Sealed(tx, 1)));
    }

    [Fact]
    public void Too_short_for_a_header_and_tag_fails_authentication()
    {
        var (_, rx) = Pair();
        Assert.Equal(OpenResult.AuthFailed, Open(rx, new byte[SessionCipher.HeaderLength + SessionCipher.TagLength - 1]));
    }

    [Fact]
    public void Seal_and_open_allocate_nothing()
    {
        var (tx, rx) = Pair();
        var d = new byte[DatagramLength];
        fixed (byte* p = d)
        {
            for (var i = 0; i < 100; i++) { tx.Seal(p, Payload); rx.Open(p, d.Length); }
            var opened = 0;
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 10_000; i++)
            {
                tx.Seal(p, Payload);
                if (rx.Open(p, d.Length) == OpenResult.Ok) opened++;
            }
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(10_000, opened);
            Assert.Equal(0, allocated);
        }
    }
}
