using Oakestra.Actors.Contracts.Addressing;

namespace Oakestra.Actors.Root.Tests.Addressing;

public sealed class Ipv6Tests
{
    [Theory]
    [InlineData("fdff:2000:0:0:0:0:0:1", "fdff:2000::1")]
    [InlineData("FDFF:2000::0001", "fdff:2000::1")]
    [InlineData("fdff:0000::", "fdff::")]
    [InlineData("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1")]   // the first of two equal zero runs is compressed
    [InlineData("2001:0:0:1:0:0:0:1", "2001:0:0:1::1")]         // the longest run wins
    [InlineData("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1")] // a single zero group is not compressed
    [InlineData("::", "::")]
    [InlineData("fc00::100", "fc00::100")]
    public void Parse_and_format_in_rfc5952_form(string text, string canonical)
    {
        var a = Ipv6Address.Parse(text);
        Assert.Equal(canonical, a.ToString());
        Assert.Equal(a, Ipv6Address.Parse(canonical));
        Assert.Equal(a, Ipv6Address.From(a.ToIPAddress()));
    }

    [Fact]
    public void Value_is_the_address_as_a_128_bit_number()
    {
        Assert.Equal(((UInt128)0xfdff2000u << 96) + 1, Ipv6Address.Parse("fdff:2000::1").Value);
        Assert.Equal(new UInt128(0xfdff_2000_0000_0000, 0x0000_0000_0000_0001), Ipv6Address.Parse("fdff:2000::1").Value);
    }

    [Theory]
    [InlineData("fe80::1%eth0")]
    [InlineData("10.30.0.1")]
    [InlineData("fdff::1::2")]
    [InlineData("fdff:2000::/21")]
    [InlineData("gggg::1")]
    [InlineData(null)]
    public void Rejects_scoped_malformed_and_other_families(string? text) => Assert.False(Ipv6Address.TryParse(text, out _));

    [Fact]
    public void Stepping_carries_across_groups()
    {
        Assert.Equal("fdff:2000::100", Ipv6Address.Parse("fdff:2000::ff").Next().ToString());
        Assert.Equal("fdff:2000::1:0", Ipv6Address.Parse("fdff:2000::ffff").Next().ToString());
        Assert.Throws<OverflowException>(() => Ipv6Address.Parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").Next());
    }

    [Theory]
    [InlineData("fdff:2000::/21", "fdff:2000::/21")]
    [InlineData("fdff:0000::/21", "fdff::/21")]
    [InlineData("fc00::/64", "fc00::/64")]
    [InlineData("::/0", "::/0")]
    public void Prefix_parse_and_format(string text, string canonical) => Assert.Equal(canonical, Ipv6Prefix.Parse(text).ToString());

    [Theory]
    [InlineData("fdff:2001::/21")]   // bit 22+ set
    [InlineData("fdff:2400::/21")]   // inside the /21 third group but beyond its 5 bits
    [InlineData("fc00::1/64")]
    [InlineData("fc00::/129")]
    [InlineData("fc00::")]
    public void Prefix_rejects_host_bits_and_bad_lengths(string text) => Assert.False(Ipv6Prefix.TryParse(text, out _));

    [Fact]
    public void Contains_the_policy_blocks_exactly()
    {
        var rr = Ipv6Prefix.Parse("fdff:2000::/21");
        Assert.True(rr.Contains(Ipv6Address.Parse("fdff:2000::1")));
        Assert.True(rr.Contains(Ipv6Address.Parse("fdff:27ff:ffff:ffff:ffff:ffff:ffff:ffff")));
        Assert.False(rr.Contains(Ipv6Address.Parse("fdff:2800::")));
        Assert.False(rr.Contains(Ipv6Address.Parse("fdff:1fff:ffff:ffff:ffff:ffff:ffff:ffff")));
        Assert.Equal("fdff:27ff:ffff:ffff:ffff:ffff:ffff:ffff", rr.Last.ToString());
        Assert.True(Ipv6Prefix.Parse("fdff::/16").Contains(rr));
        Assert.False(rr.Contains(Ipv6Prefix.Parse("fdff::/16")));
    }

    [Fact]
    public void Subnet_indexing_and_offsets()
    {
        var p = Ipv6Prefix.Parse("fc00::/64");
        Assert.Equal("fc00::/120", p.Subnet(120, 0).ToString());
        Assert.Equal("fc00::100/120", p.Subnet(120, 1).ToString());
        Assert.Equal("fc00::1:0/120", p.Subnet(120, 256).ToString());
        Assert.Equal("fc00::ffff:ffff:ffff:ff00/120", p.Subnet(120, (UInt128.One << 56) - 1).ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => p.Subnet(120, UInt128.One << 56));
        Assert.Equal("fc00::1:2", p.At(0x10002).ToString());
        Assert.Equal((UInt128)0x10002, p.OffsetOf(Ipv6Address.Parse("fc00::1:2")));
        Assert.Throws<ArgumentException>(() => p.OffsetOf(Ipv6Address.Parse("fc00:0:0:1::")));
    }
}
