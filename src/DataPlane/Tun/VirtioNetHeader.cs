using System.Buffers.Binary;
using Oakestra.Actors.DataPlane.Forwarding;

namespace Oakestra.Actors.DataPlane.Tun;

/// <summary>
/// struct virtio_net_hdr (include/uapi/linux/virtio_net.h) as the TUN device reads and writes it with
/// IFF_VNET_HDR: flags u8, gso_type u8, hdr_len, gso_size, csum_start, csum_offset (u16 each, little-endian:
/// TUN uses the host order on little-endian hosts, and .NET runs only on those here).
/// </summary>
public static unsafe class VirtioNetHeader
{
    public const int Length = 10;
    public const int LengthWithNumBuffers = 12;

    public const byte FlagNeedsChecksum = 1;
    public const byte FlagDataValid = 2;

    public const byte GsoNone = 0;
    public const byte GsoTcpV4 = 1;
    public const byte GsoUdp = 3;
    public const byte GsoTcpV6 = 4;
    public const byte GsoUdpL4 = 5;
    public const byte GsoEcn = 0x80;

    /// <summary>Fills the virtio fields of <paramref name="meta"/> from a header read from the TUN.</summary>
    public static void Decode(byte* header, ref PacketMeta meta)
    {
        meta.NeedsChecksum = (header[0] & FlagNeedsChecksum) != 0;
        meta.GsoType = header[1];
        meta.HeaderLength = BinaryPrimitives.ReadUInt16LittleEndian(new ReadOnlySpan<byte>(header + 2, 2));
        meta.GsoSize = BinaryPrimitives.ReadUInt16LittleEndian(new ReadOnlySpan<byte>(header + 4, 2));
        meta.ChecksumStart = BinaryPrimitives.ReadUInt16LittleEndian(new ReadOnlySpan<byte>(header + 6, 2));
        meta.ChecksumOffset = BinaryPrimitives.ReadUInt16LittleEndian(new ReadOnlySpan<byte>(header + 8, 2));
    }

    /// <summary>Writes a header of <paramref name="length"/> bytes (10 or 12) for a packet written to the TUN.</summary>
    public static void Encode(byte* header, int length, in PacketMeta meta)
    {
        header[0] = meta.NeedsChecksum ? FlagNeedsChecksum : (byte)0;
        header[1] = meta.GsoType;
        BinaryPrimitives.WriteUInt16LittleEndian(new Span<byte>(header + 2, 2), meta.HeaderLength);
        BinaryPrimitives.WriteUInt16LittleEndian(new Span<byte>(header + 4, 2), meta.GsoSize);
        BinaryPrimitives.WriteUInt16LittleEndian(new Span<byte>(header + 6, 2), meta.ChecksumStart);
        BinaryPrimitives.WriteUInt16LittleEndian(new Span<byte>(header + 8, 2), meta.ChecksumOffset);
        if (length > Length) { header[10] = 0; header[11] = 0; }
    }
}
