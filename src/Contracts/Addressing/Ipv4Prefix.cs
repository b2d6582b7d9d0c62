using System.Diagnostics.CodeAnalysis;

namespace Oakestra.Actors.Contracts.Addressing;

/// <summary>An IPv4 network in CIDR form; the network address always has its host bits cleared.</summary>
public readonly record struct Ipv4Prefix
{
    public Ipv4Prefix(Ipv4Address network, int length)
    {
        if (length is < 0 or > 32) throw new ArgumentOutOfRangeException(nameof(length), "IPv4 prefix length must be 0..32");
        if ((network.Value & ~Mask(length)) != 0) throw new ArgumentException($"{network}/{length} has host bits set", nameof(network));
        Network = network;
        Length = length;
    }

    public Ipv4Address Network { get; }
    public int Length { get; }

    /// <summary>Number of addresses in the prefix (2^(32-length)).</summary>
    public ulong Size => 1UL << (32 - Length);

    public Ipv4Address First => Network;
    public Ipv4Address Last => new(Network.Value | ~Mask(Length));

    public bool Contains(Ipv4Address address) => (address.Value & Mask(Length)) == Network.Value;

    public bool Contains(Ipv4Prefix other) => other.Length >= Length && Contains(other.Network);

    /// <summary>The address at <paramref name="offset"/> from the network address; throws outside the prefix.</summary>
    public Ipv4Address At(ulong offset) =>
        offset >= Size ? throw new ArgumentOutOfRangeException(nameof(offset), $"offset {offset} is outside {this}") : Network.Add(offset);

    public ulong OffsetOf(Ipv4Address address) =>
        Contains(address) ? address.Value - Network.Value : throw new ArgumentException($"{address} is not in {this}");

    /// <summary>The <paramref name="index"/>-th sub-prefix of length <paramref name="subLength"/> (e.g. the n-th /26 of a /16).</summary>
    public Ipv4Prefix Subnet(int subLength, ulong index)
    {
        if (subLength < Length || subLength > 32) throw new ArgumentOutOfRangeException(nameof(subLength));
        ulong count = 1UL << (subLength - Length);
        if (index >= count) throw new ArgumentOutOfRangeException(nameof(index), $"{this} has only {count} /{subLength} subnets");
        return new Ipv4Prefix(Network.Add(index << (32 - subLength)), subLength);
    }

    public static Ipv4Prefix Parse(string text) =>
        TryParse(text, out var p) ? p : throw new FormatException($"'{text}' is not an IPv4 prefix (a.b.c.d/len with host bits clear)");

    public static bool TryParse([NotNullWhen(true)] string? text, out Ipv4Prefix prefix)
    {
        prefix = default;
        var slash = text?.IndexOf('/') ?? -1;
        if (slash < 0 || !Ipv4Address.TryParse(text![..slash], out var net) || !int.TryParse(text[(slash + 1)..], out var len) || len is < 0 or > 32)
            return false;
        if ((net.Value & ~Mask(len)) != 0) return false;
        prefix = new Ipv4Prefix(net, len);
        return true;
    }

    public override string ToString() => $"{Network}/{Length}";

    private static uint Mask(int length) => length == 0 ? 0u : uint.MaxValue << (32 - length);
}
