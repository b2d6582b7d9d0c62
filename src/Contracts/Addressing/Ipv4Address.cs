using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace Oakestra.Actors.Contracts.Addressing;

/// <summary>An IPv4 address as a host-order 32-bit number, so pools can count, compare and step through it.</summary>
public readonly record struct Ipv4Address(uint Value) : IComparable<Ipv4Address>
{
    public static Ipv4Address Parse(string text) =>
        TryParse(text, out var a) ? a : throw new FormatException($"'{text}' is not an IPv4 address");

    public static bool TryParse([NotNullWhen(true)] string? text, out Ipv4Address address)
    {
        address = default;
        if (text is null || !IPAddress.TryParse(text, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork)
            return false;
        // IPAddress.TryParse accepts shorthand such as "10.1" or "10"; only the dotted quad is an address here.
        if (text.Count(c => c == '.') != 3) return false;
        address = From(ip);
        return true;
    }

    public static Ipv4Address From(IPAddress ip)
    {
        if (ip.AddressFamily != AddressFamily.InterNetwork) throw new ArgumentException("not an IPv4 address", nameof(ip));
        Span<byte> b = stackalloc byte[4];
        ip.TryWriteBytes(b, out _);
        return new Ipv4Address(BinaryPrimitives.ReadUInt32BigEndian(b));
    }

    public IPAddress ToIPAddress()
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, Value);
        return new IPAddress(b);
    }

    /// <summary>The address <paramref name="offset"/> steps further; throws on wrap-around past 255.255.255.255.</summary>
    public Ipv4Address Add(ulong offset) =>
        (ulong)Value + offset > uint.MaxValue ? throw new OverflowException("IPv4 address overflow") : new((uint)(Value + offset));

    public Ipv4Address Next() => Add(1);

    public int CompareTo(Ipv4Address other) => Value.CompareTo(other.Value);

    public override string ToString() => $"{Value >> 24}.{(Value >> 16) & 255}.{(Value >> 8) & 255}.{Value & 255}";
}
