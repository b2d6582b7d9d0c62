using System.Net;
using Oakestra.Actors.WorkerNode.NodeNetwork;
using Oakestra.Actors.WorkerNode.Runtime;

namespace Oakestra.Actors.Nodes.Tests.Runtime;

public class NodeSubnetAndAllocatorTests
{
    private static readonly NodeSubnet Subnet = NodeSubnet.Parse("10.18.0.64/26", "fc00::100/120");

    [Fact]
    public void Gateways_are_host_one_of_each_subnet()
    {
        Assert.Equal(IPAddress.Parse("10.18.0.65"), Subnet.GatewayIpv4);
        Assert.Equal(IPAddress.Parse("fc00::101"), Subnet.GatewayIpv6);
        Assert.Equal(62, Subnet.LastHost);
    }

    [Fact]
    public void Allocator_hands_out_2_to_62_in_both_families_then_fails_clearly()
    {
        var allocator = new NamespaceAddressAllocator(Subnet);
        var leases = Enumerable.Range(0, 61).Select(_ => allocator.Allocate()).ToList();
        Assert.Equal(IPAddress.Parse("10.18.0.66"), leases[0].Ipv4);
        Assert.Equal(IPAddress.Parse("fc00::102"), leases[0].Ipv6);
        Assert.Equal(IPAddress.Parse("10.18.0.126"), leases[^1].Ipv4);
        Assert.Equal(IPAddress.Parse("fc00::13e"), leases[^1].Ipv6);
        Assert.Equal(61, leases.Select(l => l.Ipv4).Distinct().Count());
        var e = Assert.Throws<NamespaceAddressesExhaustedException>(() => allocator.Allocate());
        Assert.Contains("10.18.0.64/26", e.Message);
    }

    [Fact]
    public void Released_address_is_reused_last()
    {
        var allocator = new NamespaceAddressAllocator(Subnet);
        var first = allocator.Allocate();
        allocator.Release(first.Slot);
        var next = Enumerable.Range(0, 60).Select(_ => allocator.Allocate()).ToList();
        Assert.DoesNotContain(next, l => l.Slot == first.Slot);
        Assert.Equal(first.Slot, allocator.Allocate().Slot);
        Assert.Throws<InvalidOperationException>(() => allocator.Release(1));
    }

    [Fact]
    public void Veth_names_must_fit_ifnamsiz()
    {
        var options = new InstanceRuntimeOptions("w1", Subnet, "/tmp") { VethPrefix = "much-too-long-" };
        Assert.Throws<ArgumentException>(() => new InstanceRuntime(options, WorkerNode.Shell.NodeShell.Current()));
    }
}
