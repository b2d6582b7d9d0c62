using System.Diagnostics.CodeAnalysis;

namespace Oakestra.Actors.Contracts.Addressing;

/// <summary>An IPv6 network in CIDR form; the network address always has its host bits cleared.</summary>
public readonly record struct Ipv6Prefix
{
    public Ipv6Prefix(Ipv6Address network, int length)
    {
        if (length is < 0 or > 128) throw new ArgumentOutOfRangeException(nameof(length), "IPv6 prefix length must be 0..128");
        if ((network.Value & ~Mask(length)) != UInt128.Zero) throw new ArgumentException($"{network}/{length} has host bits set", nameof(network));
        Network = network;
        Length = length;
    }

    public Ipv6Address Network { get; }
    public int Length { get; }

    /// <summary>Number of addresses, saturated at UInt128.MaxValue for a /0.</summary>
    public UInt128 Size => Length == 0 ? UInt128.MaxValue : UInt128.One << (128 - Length);

    public Ipv6Address First => Network;
    public Ipv6Address Last => new(Network.Value | ~Mask(Length));

    public bool Contains(Ipv6Address address) => (address.Value & Mask(Length)) == Network.Value;

    public bool Contains(Ipv6Prefix other) => other.Length >= Length && Contains(other.Network);

    public Ipv6Address At(UInt128 offset) =>
        Length > 0 && offset >= Size ? throw new ArgumentOutOfRangeException(nameof(offset), $"offset {offset} is outside {this}") : Network.Add(offset);

    public UInt128 OffsetOf(Ipv6Address address) =>
        Contains(address) ? address.Value - Network.Value : throw new ArgumentException($"{address} is not in {this}");

    /// <summary>The <paramref name="index"/>-th sub-prefix of length <paramref name="subLength"/> (e.g. the n-th /120 of a /64).</summary>
    public Ipv6Prefix Subnet(int subLength, UInt128 index)
    {
        if (subLength < Length || subLength > 128) throw new ArgumentOutOfRangeException(nameof(subLength));
        if (subLength - Length < 128 && index >= (UInt128.One << (subLength - Length)))
            throw new ArgumentOutOfRangeException(nameof(index), $"{this} has fewer than {index + 1} /{subLength} subnets");
        return new Ipv6Prefix(Network.Add(index << (128 - subLength)), subLength);
    }

    public static Ipv6Prefix Parse(string text) =>
        TryParse(text, out var p) ? p : throw new FormatException($"'{text}' is not an IPv6 prefix (addr/len with host bits clear)");

    public static bool TryParse([NotNullWhen(true)] string? text, out Ipv6Prefix prefix)
    {
        prefix = default;
        var slash = text?.IndexOf('/') ?? -1;
        if (slash < 0 || !Ipv6Address.TryParse(text![..slash], out var net) || !int.TryParse(text[(slash + 1)..], out var len) || len is < 0 or > 128)
            return false;
        if ((net.Value & ~Mask(len)) != UInt128.Zero) return false;
        prefix = new Ipv6Prefix(net, len);
        return true;
    }

    public override string ToString() => $"{Network}/{Length}";

    private static UInt128 Mask(int length) => length == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - length);
}
