using System.Net;
using Oakestra.Actors.Tests.Shared;
using Oakestra.Actors.WorkerNode.Runtime;
using static Oakestra.Actors.WorkerNode.Runtime.InstanceStatus;

namespace Oakestra.Actors.Nodes.Tests.Runtime;

/// <summary>
/// The kernel half of the data plane: what the data plane writes into the TUN with an Instance IP as source
/// must reach the instance on the bridge, and the instance's reply to that Instance IP must come back out of
/// the TUN — forwarding, rp_filter and routes all have to be right for that.
/// </summary>
public class TunDataPathTests
{
    [SkippableFact]
    public async Task Packet_written_to_the_tun_from_an_instance_ip_reaches_the_instance_and_its_reply_returns_to_the_tun()
    {
        Requires.RootWithNetns();
        await using var lab = await NodeLab.CreateAsync();
        var shell = lab.Beside();
        using var tun = TunAttachment.Open(lab.NodeNetns, NodeLab.Tun);
        await lab.Network(shell).SetUpAsync();
        var runtime = new InstanceRuntime(lab.RuntimeOptions(), shell);
        try
        {
            var statuses = new StatusRecorder(runtime);
            var instance = await runtime.StartAsync(InstanceRuntimeTests.Launch("target", "exec sleep 60"));
            await statuses.WaitAsync("target", Running);
            // Strict reverse-path filtering in the instance (the usual distribution default) must not matter either.
            await Sh.InNs(instance.NetworkNamespace, "sysctl", "-q", "-w", "net.ipv4.conf.all.rp_filter=1", "net.ipv4.conf.eth0.rp_filter=1");

            var remote4 = IPAddress.Parse("10.30.4.5");
            tun.Write(EchoPackets.Ipv4EchoRequest(remote4, instance.NamespaceIpv4, id: 0x0a4b, sequence: 1));
            var reply4 = tun.ReadUntil(p => EchoPackets.IsEchoReply(p, instance.NamespaceIpv4, remote4, 0x0a4b), TimeSpan.FromSeconds(5));
            Assert.NotNull(reply4);

            var remote6 = IPAddress.Parse("fdff::4:5");
            tun.Write(EchoPackets.Ipv6EchoRequest(remote6, instance.NamespaceIpv6, id: 0x0a4c, sequence: 1));
            var reply6 = tun.ReadUntil(p => EchoPackets.IsEchoReply(p, instance.NamespaceIpv6, remote6, 0x0a4c), TimeSpan.FromSeconds(5));
            Assert.NotNull(reply6);

            Assert.True(await runtime.StopAsync("target"));
        }
        finally
        {
            await runtime.DisposeAsync();
        }
    }
}
