namespace Oakestra.Actors.DataPlane.Tunnel;

/// <summary>
/// One node pair's keys for one start of each side, with the send counter and the receive window that
/// belong to those keys. Shared by the loop threads: the counter is taken with one interlocked increment,
/// the window is touched only by the thread that reads the tunnel. A republished peer list with the same
/// peer key and salt keeps this object, so a counter never starts again under the same key.
/// </summary>
public sealed class PeerSession
{
    private long _sent;

    internal PeerSession(byte[] peerPublicKey, byte[] peerSalt, PairKeys keys)
    {
        PeerPublicKey = peerPublicKey; PeerSalt = peerSalt; Keys = keys;
    }

    public byte[] PeerPublicKey { get; }
    public byte[] PeerSalt { get; }
    internal PairKeys Keys { get; }
    internal ReplayWindow Window { get; } = new();

    public static PeerSession Create(TunnelIdentity local, byte[] peerPublicKey, byte[] peerSalt) =>
        new(peerPublicKey, peerSalt, TunnelKeySchedule.Derive(local, peerPublicKey, peerSalt));

    public bool Matches(ReadOnlySpan<byte> peerPublicKey, ReadOnlySpan<byte> peerSalt) =>
        PeerPublicKey.AsSpan().SequenceEqual(peerPublicKey) && PeerSalt.AsSpan().SequenceEqual(peerSalt);

    /// <summary>The next send counter (the nonce): unique per key for the life of this object.</summary>
    internal ulong NextCounter() => (ulong)Interlocked.Increment(ref _sent) - 1;

    /// <summary>Datagrams sealed under this session so far.</summary>
    public long Sent => Volatile.Read(ref _sent);
}
