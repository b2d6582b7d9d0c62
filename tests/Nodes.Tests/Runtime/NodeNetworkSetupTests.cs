using Oakestra.Actors.Tests.Shared;
using Oakestra.Actors.WorkerNode.NodeNetwork;
using Oakestra.Actors.WorkerNode.Shell;

namespace Oakestra.Actors.Nodes.Tests.Runtime;

public class NodeNetworkSetupTests
{
    [SkippableFact]
    public async Task Setup_creates_bridge_gateways_forwarding_and_service_routes_teardown_removes_them()
    {
        Requires.RootWithNetns();
        await using var lab = await NodeLab.CreateAsync();
        var network = lab.Network(lab.Beside());

        await network.SetUpAsync();
        await network.SetUpAsync(); // idempotent: a restarted worker repairs instead of failing

        var v4 = await Sh.InNs(lab.NodeNetns, "ip", "-4", "-o", "addr", "show", "dev", NodeLab.Bridge);
        var v6 = await Sh.InNs(lab.NodeNetns, "ip", "-6", "-o", "addr", "show", "dev", NodeLab.Bridge);
        Assert.Contains("inet 10.18.0.65/26", v4);
        Assert.Contains("inet6 fc00::101/120", v6);
        Assert.DoesNotContain("tentative", v6);
        Assert.Contains("UP", await Sh.InNs(lab.NodeNetns, "ip", "-o", "link", "show", "dev", NodeLab.Bridge));
        Assert.Equal("1\n1\n0\n", await Sh.InNs(lab.NodeNetns, "sysctl", "-n", "net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding", "net.ipv4.conf.all.rp_filter"));
        Assert.Contains($"10.30.0.0/16 dev {NodeLab.Tun}", await Sh.InNs(lab.NodeNetns, "ip", "-4", "route", "show"));
        Assert.Contains($"fdff::/16 dev {NodeLab.Tun}", await Sh.InNs(lab.NodeNetns, "ip", "-6", "route", "show"));
        // The kernel's own routing decision, not just the table text:
        Assert.Contains($"dev {NodeLab.Tun}", await Sh.InNs(lab.NodeNetns, "ip", "route", "get", "10.30.7.9"));
        Assert.Contains($"dev {NodeLab.Bridge}", await Sh.InNs(lab.NodeNetns, "ip", "route", "get", "10.18.0.70"));

        await network.TearDownAsync();
        await network.TearDownAsync(); // idempotent

        Assert.DoesNotContain(NodeLab.Bridge, await Sh.Links(lab.NodeNetns));
        Assert.DoesNotContain("10.30.0.0/16", await Sh.InNs(lab.NodeNetns, "ip", "-4", "route", "show"));
        Assert.DoesNotContain("fdff::/16", await Sh.InNs(lab.NodeNetns, "ip", "-6", "route", "show"));
        Assert.Contains(NodeLab.Tun, await Sh.Links(lab.NodeNetns)); // the data plane's TUN is not ours to delete
    }

    [SkippableFact]
    public async Task Failing_step_surfaces_with_its_command_and_teardown_cleans_the_partial_setup()
    {
        Requires.RootWithNetns();
        await using var lab = await NodeLab.CreateAsync(withTun: false);
        var network = lab.Network(lab.Beside());

        var e = await Assert.ThrowsAsync<CommandFailedException>(() => network.SetUpAsync());
        Assert.Contains(NodeLab.Tun, e.Message);
        Assert.Contains($"ip netns exec {lab.NodeNetns}", e.Message);
        Assert.NotNull(e.ExitCode);
        Assert.Contains(NodeLab.Bridge, await Sh.Links(lab.NodeNetns)); // setup got that far

        await network.TearDownAsync();
        Assert.DoesNotContain(NodeLab.Bridge, await Sh.Links(lab.NodeNetns));
    }
}
