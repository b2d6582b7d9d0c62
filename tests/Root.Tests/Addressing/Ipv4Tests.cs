using Oakestra.Actors.Contracts.Addressing;

namespace Oakestra.Actors.Root.Tests.Addressing;

public sealed class Ipv4Tests
{
    [Theory]
    [InlineData("10.30.0.1", 0x0A1E0001u)]
    [InlineData("0.0.0.0", 0u)]
    [InlineData("255.255.255.255", 0xFFFFFFFFu)]
    [InlineData("192.168.1.200", 0xC0A801C8u)]
    public void Parse_and_format_round_trip(string text, uint value)
    {
        var a = Ipv4Address.Parse(text);
        Assert.Equal(value, a.Value);
        Assert.Equal(text, a.ToString());
        Assert.Equal(text, a.ToIPAddress().ToString());
        Assert.Equal(a, Ipv4Address.From(a.ToIPAddress()));
    }

    [Theory]
    [InlineData("10.1")]
    [InlineData("10")]
    [InlineData("10.1.2")]
    [InlineData("256.1.1.1")]
    [InlineData("10.30.0.1/32")]
    [InlineData("fdff::1")]
    [InlineData("")]
    [InlineData(null)]
    public void Rejects_shorthand_out_of_range_and_other_families(string? text) => Assert.False(Ipv4Address.TryParse(text, out _));

    [Fact]
    public void Stepping_carries_into_the_next_octet_and_refuses_to_wrap()
    {
        Assert.Equal("10.30.1.0", Ipv4Address.Parse("10.30.0.255").Next().ToString());
        Assert.Equal("10.31.0.0", Ipv4Address.Parse("10.30.255.255").Next().ToString());
        Assert.Throws<OverflowException>(() => Ipv4Address.Parse("255.255.255.255").Next());
    }

    [Theory]
    [InlineData("10.30.0.0/16", "10.30.0.0", 16)]
    [InlineData("10.18.0.64/26", "10.18.0.64", 26)]
    [InlineData("0.0.0.0/0", "0.0.0.0", 0)]
    [InlineData("10.30.0.7/32", "10.30.0.7", 32)]
    public void Prefix_parse_and_format_round_trip(string text, string network, int length)
    {
        var p = Ipv4Prefix.Parse(text);
        Assert.Equal(network, p.Network.ToString());
        Assert.Equal(length, p.Length);
        Assert.Equal(text, p.ToString());
    }

    [Theory]
    [InlineData("10.30.0.1/16")]     // host bits set
    [InlineData("10.18.0.32/26")]    // host bits set
    [InlineData("10.30.0.0/33")]
    [InlineData("10.30.0.0")]
    [InlineData("10.30/16")]
    [InlineData("10.30.0.0/-1")]
    public void Prefix_rejects_host_bits_bad_lengths_and_shorthand(string text)
    {
        Assert.False(Ipv4Prefix.TryParse(text, out _));
        Assert.Throws<FormatException>(() => Ipv4Prefix.Parse(text));
    }

    [Fact]
    public void Constructor_rejects_host_bits() =>
        Assert.Throws<ArgumentException>(() => new Ipv4Prefix(Ipv4Address.Parse("10.30.0.1"), 16));

    [Fact]
    public void Contains_addresses_and_prefixes()
    {
        var p = Ipv4Prefix.Parse("10.30.0.0/16");
        Assert.True(p.Contains(Ipv4Address.Parse("10.30.0.0")));
        Assert.True(p.Contains(Ipv4Address.Parse("10.30.255.255")));
        Assert.False(p.Contains(Ipv4Address.Parse("10.31.0.0")));
        Assert.False(p.Contains(Ipv4Address.Parse("10.29.255.255")));
        Assert.True(p.Contains(Ipv4Prefix.Parse("10.30.4.0/24")));
        Assert.False(p.Contains(Ipv4Prefix.Parse("10.0.0.0/8")));
        Assert.Equal("10.30.255.255", p.Last.ToString());
        Assert.Equal(65536ul, p.Size);
    }

    [Fact]
    public void Subnet_indexing_and_offsets()
    {
        var p = Ipv4Prefix.Parse("10.18.0.0/16");
        Assert.Equal("10.18.0.0/26", p.Subnet(26, 0).ToString());
        Assert.Equal("10.18.0.64/26", p.Subnet(26, 1).ToString());
        Assert.Equal("10.18.1.0/26", p.Subnet(26, 4).ToString());
        Assert.Equal("10.18.255.192/26", p.Subnet(26, 1023).ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => p.Subnet(26, 1024));
        Assert.Throws<ArgumentOutOfRangeException>(() => p.Subnet(8, 0));
        Assert.Equal("10.18.1.2", p.At(258).ToString());
        Assert.Equal(258ul, p.OffsetOf(Ipv4Address.Parse("10.18.1.2")));
        Assert.Throws<ArgumentOutOfRangeException>(() => p.At(65536));
        Assert.Throws<ArgumentException>(() => p.OffsetOf(Ipv4Address.Parse("10.19.0.0")));
    }
}
