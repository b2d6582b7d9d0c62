using Oakestra.Actors.Cli.Instances;

namespace Oakestra.Actors.EndToEnd.Tests.Cli;

public class InstanceNamespaceTests
{
    [Theory]
    [InlineData("10.18.0.2", "10.18.0.0/26", 2)]
    [InlineData("10.18.0.66", "10.18.0.64/26", 2)]
    [InlineData("10.18.0.126", "10.18.0.64/26", 62)]
    [InlineData("10.18.1.5", "10.18.0.0/23", 261)]
    public void Host_number_is_the_offset_inside_the_worker_subnet(string ip, string subnet, int expected) =>
        Assert.Equal(expected, InstanceNamespace.HostNumber(ip, subnet));

    [Theory]
    [InlineData("10.18.0.130", "10.18.0.64/26")]
    [InlineData("fc00::2", "10.18.0.0/26")]
    [InlineData("10.18.0.2", "fc00::/120")]
    public void Addresses_outside_the_subnet_cannot_be_named(string ip, string subnet) =>
        Assert.Throws<FormatException>(() => InstanceNamespace.HostNumber(ip, subnet));

    [Fact]
    public void Name_is_prefix_node_and_host_number() =>
        Assert.Equal("oaklab-w12-i7", InstanceNamespace.Name("oaklab-", "w12", 7));
}
