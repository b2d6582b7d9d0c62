using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace Oakestra.Actors.Contracts.Addressing;

/// <summary>An IPv6 address as a host-order 128-bit number, so pools can count, compare and step through it.</summary>
public readonly record struct Ipv6Address(UInt128 Value) : IComparable<Ipv6Address>
{
    public static Ipv6Address Parse(string text) =>
        TryParse(text, out var a) ? a : throw new FormatException($"'{text}' is not an IPv6 address");

    public static bool TryParse([NotNullWhen(true)] string? text, out Ipv6Address address)
    {
        address = default;
        if (text is null || !IPAddress.TryParse(text, out var ip) || ip.AddressFamily != AddressFamily.InterNetworkV6 || ip.ScopeId != 0)
            return false;
        address = From(ip);
        return true;
    }

    public static Ipv6Address From(IPAddress ip)
    {
        if (ip.AddressFamily != AddressFamily.InterNetworkV6) throw new ArgumentException("not an IPv6 address", nameof(ip));
        Span<byte> b = stackalloc byte[16];
        ip.TryWriteBytes(b, out _);
        return new Ipv6Address(BinaryPrimitives.ReadUInt128BigEndian(b));
    }

    public IPAddress ToIPAddress()
    {
        Span<byte> b = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(b, Value);
        return new IPAddress(b);
    }

    public Ipv6Address Add(UInt128 offset) =>
        UInt128.MaxValue - Value < offset ? throw new OverflowException("IPv6 address overflow") : new(Value + offset);

    public Ipv6Address Next() => Add(UInt128.One);

    public int CompareTo(Ipv6Address other) => Value.CompareTo(other.Value);

    /// <summary>RFC 5952 text (lower case, longest zero run compressed), as IPAddress formats it.</summary>
    public override string ToString() => ToIPAddress().ToString();
}
