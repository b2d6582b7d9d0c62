using System.Net;
using Oakestra.Actors.DataPlane.Addressing;
using Oakestra.Actors.DataPlane.Balancing;
using Oakestra.Actors.DataPlane.Routing;
using static Oakestra.Actors.DataPlane.Tests.Support.Lab;

namespace Oakestra.Actors.DataPlane.Tests.Routing;

public class RouteSnapshotTests
{
    [Fact]
    public void Compiles_the_lab_and_exposes_peers_and_services()
    {
        var s = RouteSnapshot.Compile(Spec(7));
        Assert.Equal(7, s.Version);
        Assert.Equal(3, s.Peers.Count);
        Assert.Equal(1, s.FindPeer(IpKey.From(IPAddress.Parse("192.168.50.3")), 50103));
        Assert.Equal(-1, s.FindPeer(IpKey.From(IPAddress.Parse("192.168.50.3")), 50104));
        Assert.Equal(-1, s.FindPeer(IpKey.From(IPAddress.Parse("192.168.50.9")), 50103));
        Assert.Equal(["server", "remote", "client"], s.ServiceIds);
    }

    [Fact]
    public void Peers_sharing_one_address_are_told_apart_by_port()
    {
        var ip = IPAddress.Parse("10.0.0.1");
        var s = RouteSnapshot.Compile(new RouteTableSpec(1, null, [new(new IPEndPoint(ip, 1)), new(new IPEndPoint(ip, 2))], [], []));
        Assert.Equal(1, s.FindPeer(IpKey.From(ip), 2));
        Assert.Equal(0, s.FindPeer(IpKey.From(ip), 1));
    }

    [Fact]
    public void Instance_on_a_peer_that_does_not_exist_is_refused()
    {
        var spec = Spec() with { Services = [new ServiceSpec("x", [], [new(IPAddress.Parse("10.30.9.1"), null, 5)])] };
        Assert.Contains("peer 5", Assert.Throws<ArgumentException>(() => RouteSnapshot.Compile(spec)).Message);
    }

    [Fact]
    public void Local_instance_without_namespace_ip_is_refused()
    {
        var spec = Spec() with { LocalInstances = [], Services = [new ServiceSpec("x", [], [new(IPAddress.Parse("10.30.9.1"), null, InstanceSpec.Local)])] };
        Assert.Throws<ArgumentException>(() => RouteSnapshot.Compile(spec));
    }

    [Fact]
    public void Duplicate_addresses_are_refused()
    {
        var spec = Spec() with
        {
            Services = [.. Spec().Services, new ServiceSpec("dup", [new(IPAddress.Parse(RemoteRr4), BalancingPolicyId.RoundRobin)], [])],
        };
        Assert.Contains("appears twice", Assert.Throws<ArgumentException>(() => RouteSnapshot.Compile(spec)).Message);
    }

    [Fact]
    public void Address_of_the_wrong_family_is_refused()
    {
        var spec = Spec() with { LocalInstances = [new("client", IPAddress.Parse("fdff::1"), null, IPAddress.Parse("10.19.1.1"), null)] };
        Assert.Throws<ArgumentException>(() => RouteSnapshot.Compile(spec));
    }

    [Fact]
    public void Service_ranges_are_configurable()
    {
        var spec = Spec() with { ServiceRanges = [IpPrefix.Parse("10.30.2.0/24")] };
        var t = Translator(spec);
        var p = Support.Wire.Build(Support.Wire.Udp, ANs4, RemoteRr4, 1, 2); // 10.30.0.200: outside the narrowed range
        Assert.Equal(Oakestra.Actors.DataPlane.Forwarding.Disposition.Drop, t.FromTun(p, out _));
        Assert.Equal(1, t.Counters[Oakestra.Actors.DataPlane.Translation.DataPlaneCounter.DropNotService]);
    }
}
