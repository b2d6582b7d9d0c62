using System.Buffers.Binary;
using Oakestra.Actors.DataPlane.Forwarding;

namespace Oakestra.Actors.DataPlane.Tunnel;

/// <summary>Kind of tunnel datagram.</summary>
public enum TunnelMessageType : byte
{
    Data = 0,
    RttProbe = 1,
    RttReply = 2,
}

/// <summary>
/// The 24-byte header in front of every tunnel datagram (all multi-byte fields big-endian):
/// <code>
///  0: version (high nibble, = 2) | message type (low nibble)
///  1: flags: bit0 Forwarded (TunnelFlags), bit1 NeedsChecksum, bit2 Sealed
///  2: GSO type (virtio numbering)      3: reserved (0)
///  4: GSO size   6: header length   8: checksum start   10: checksum offset
/// 12: key id    16: counter (64 bit)    (0 when not sealed)
/// </code>
/// Sealed (<c>Oak:Tunnel:Security = aead</c>), the payload after the header is AES-GCM ciphertext with a
/// 16-byte tag after it, the whole header is associated data and bytes 12..23 are the nonce (see
/// <see cref="SessionCipher"/>).
/// Data carries one IP packet after the header. This implementation segments TCP GSO packets before
/// sending (see <see cref="GsoSegmenter"/>), so it always sends GSO type 0; TCP segments and packets the TUN
/// gave with a partial checksum go with NeedsChecksum (checksum start right after the IP header, offset 16
/// TCP / 6 UDP) and the receiver's kernel completes them; the
/// GSO fields exist so a sender may carry a whole segment and let the receiving TUN's kernel segment it,
/// which the receiver accepts when its TUN has offload on. Probe and reply carry an 8-byte timestamp
/// after the header (the prober's Stopwatch ticks, echoed verbatim).
/// </summary>
public static unsafe class TunnelHeader
{
    public const int Length = SessionCipher.HeaderLength;
    public const int ProbeLength = Length + 8;
    /// <summary>2 since the header grew the key id and counter: a version 1 node's datagrams are refused, not misread.</summary>
    public const byte Version = 2;

    private const byte FlagForwarded = 1;
    private const byte FlagNeedsChecksum = 2;
    private const byte FlagSealed = 4;

    public static bool IsSealed(byte* h) => (h[1] & FlagSealed) != 0;

    /// <summary>Marks the header sealed; done before the seal, since the flags are associated data.</summary>
    public static void MarkSealed(byte* h) => h[1] |= FlagSealed;

    public static void WriteData(byte* h, in PacketMeta meta)
    {
        h[0] = (Version << 4) | (byte)TunnelMessageType.Data;
        h[1] = (byte)(((meta.TunnelFlags & TunnelFlags.Forwarded) != 0 ? FlagForwarded : 0) | (meta.NeedsChecksum ? FlagNeedsChecksum : 0));
        h[2] = meta.GsoType;
        h[3] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(h + 4, 2), meta.GsoSize);
        BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(h + 6, 2), meta.HeaderLength);
        BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(h + 8, 2), meta.ChecksumStart);
        BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(h + 10, 2), meta.ChecksumOffset);
        *(ulong*)(h + 12) = 0;
        *(uint*)(h + 20) = 0;
    }

    /// <summary>Plain data header: no GSO, checksums complete.</summary>
    public static void WritePlainData(byte* h, TunnelFlags flags)
    {
        Clear(h);
        h[0] = (Version << 4) | (byte)TunnelMessageType.Data;
        h[1] = (flags & TunnelFlags.Forwarded) != 0 ? FlagForwarded : (byte)0;
    }

    /// <summary>
    /// Data header for a packet whose transport checksum field holds only the pseudo-header sum (NEEDS_CSUM):
    /// the receiving node's kernel completes it, or the receiver does when its TUN has no offload.
    /// </summary>
    public static void WritePartialData(byte* h, TunnelFlags flags, int checksumStart, int checksumOffset)
    {
        WritePlainData(h, flags);
        h[1] |= FlagNeedsChecksum;
        BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(h + 8, 2), (ushort)checksumStart);
        BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(h + 10, 2), (ushort)checksumOffset);
    }

    public static void WriteProbe(byte* h, TunnelMessageType type, long timestamp)
    {
        Clear(h);
        h[0] = (byte)((Version << 4) | (byte)type);
        BinaryPrimitives.WriteInt64BigEndian(new Span<byte>(h + Length, 8), timestamp);
    }

    private static void Clear(byte* h)
    {
        *(ulong*)h = 0;
        *(ulong*)(h + 8) = 0;
        *(ulong*)(h + 16) = 0;
    }

    /// <summary>The version this build speaks and not a header shorter than <see cref="Length"/>: checked before anything is opened.</summary>
    public static bool IsCurrent(byte* h, int length) => length >= Length && h[0] >> 4 == Version;

    public static long ReadTimestamp(byte* h) => BinaryPrimitives.ReadInt64BigEndian(new ReadOnlySpan<byte>(h + Length, 8));

    /// <summary>Validates version and type; false for anything this version does not understand.</summary>
    public static bool TryReadType(byte* h, int length, out TunnelMessageType type)
    {
        type = (TunnelMessageType)(h[0] & 0x0F);
        if (length < Length || h[0] >> 4 != Version) return false;
        return type switch
        {
            TunnelMessageType.Data => true,
            TunnelMessageType.RttProbe or TunnelMessageType.RttReply => length >= ProbeLength,
            _ => false,
        };
    }

    /// <summary>Fills the tunnel fields of <paramref name="meta"/> from a data header.</summary>
    public static void ReadData(byte* h, ref PacketMeta meta)
    {
        meta.TunnelFlags = (h[1] & FlagForwarded) != 0 ? TunnelFlags.Forwarded : TunnelFlags.None;
        meta.NeedsChecksum = (h[1] & FlagNeedsChecksum) != 0;
        meta.GsoType = h[2];
        meta.GsoSize = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(h + 4, 2));
        meta.HeaderLength = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(h + 6, 2));
        meta.ChecksumStart = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(h + 8, 2));
        meta.ChecksumOffset = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(h + 10, 2));
    }
}
