using System.Net;
using System.Net.Sockets;

namespace Oakestra.Actors.DataPlane.Addressing;

/// <summary>An address range (CIDR) over <see cref="IpKey"/> keys; IPv4 prefixes are mapped like their addresses.</summary>
public readonly record struct IpPrefix(IPAddress Network, int Length)
{
    public static IpPrefix Parse(string cidr)
    {
        int slash = cidr.IndexOf('/');
        if (slash < 0) throw new FormatException($"'{cidr}' is not a CIDR prefix");
        var address = IPAddress.Parse(cidr[..slash]);
        int length = int.Parse(cidr[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        int max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (length < 0 || length > max) throw new FormatException($"'{cidr}' has a bad prefix length");
        return new IpPrefix(address, length);
    }

    internal (UInt128 Network, UInt128 Mask) Compile()
    {
        bool v4 = Network.AddressFamily == AddressFamily.InterNetwork;
        int bits = v4 ? 96 + Length : Length;
        UInt128 mask = bits == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - bits);
        UInt128 net = IpKey.From(Network) & mask;
        return (net, mask);
    }

    public override string ToString() => $"{Network}/{Length}";
}
