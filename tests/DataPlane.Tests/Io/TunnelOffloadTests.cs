using System.Net;
using System.Security.Cryptography;
using Oakestra.Actors.DataPlane.Loop;
using Oakestra.Actors.DataPlane.Tunnel;
using Oakestra.Actors.Tests.Shared;

namespace Oakestra.Actors.DataPlane.Tests.Io;

/// <summary>
/// The batched tunnel path end to end: super-packets from the TUN go out as UDP GSO runs, arrive (GRO) and are
/// written back as coalesced TCP segments, and every byte and checksum survives at instances behind both nodes.
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed class TunnelOffloadTests
{
    [SkippableTheory]
    [InlineData(false, TunnelSecurity.Aead)]
    [InlineData(true, TunnelSecurity.Aead)]
    [InlineData(false, TunnelSecurity.None)]
    public void Tcp_streams_of_8_MB_both_ways_arrive_intact_and_every_checksum_is_valid_at_the_instances(bool v6, TunnelSecurity security)
    {
        Requires.RootWithNetns();
        var tag = $"g{(v6 ? 6 : 4)}{(int)security}";
        using var lab = TwoNodes.Create(tag, LoopThreading.Single, security: security);
        var mtu = 1500 - lab.TunnelA.Overhead;
        using var instanceA = InstanceBehindNode.Create(lab.A, tag + "ia", "10.80.1", "fd00:80:1", mtu);
        using var instanceB = InstanceBehindNode.Create(lab.B, tag + "ib", "10.81.1", "fd00:81:1", mtu);
        var a = IPAddress.Parse(v6 ? instanceA.V6 : instanceA.V4);
        var b = IPAddress.Parse(v6 ? instanceB.V6 : instanceB.V4);
        var toB = RandomNumberGenerator.GetBytes(8 << 20);
        var toA = RandomNumberGenerator.GetBytes(8 << 20);

        var ab = Task.Run(() => TunLoopTests.TcpTransfer(instanceB.Name, new IPEndPoint(b, 9300), instanceA.Name, a, new IPEndPoint(b, 9300), toB, expectedPeer: a));
        var ba = Task.Run(() => TunLoopTests.TcpTransfer(instanceA.Name, new IPEndPoint(a, 9301), instanceB.Name, b, new IPEndPoint(a, 9301), toA, expectedPeer: b));
        Assert.True(Task.WaitAll([ab, ba], TimeSpan.FromSeconds(120)), $"transfers stalled: {lab.LoopA.Counters} / {lab.LoopB.Counters}");

        Assert.Equal(SHA256.HashData(toB), SHA256.HashData(ab.Result));
        Assert.Equal(SHA256.HashData(toA), SHA256.HashData(ba.Result));
        Assert.Equal((0L, 0L), (instanceA.TcpChecksumErrors(), instanceB.TcpChecksumErrors()));
        var (ca, cb) = (lab.LoopA.Counters, lab.LoopB.Counters);
        Console.Error.WriteLine($"offload {tag}: A {ca}\n B {cb}");
        Assert.True(ca.TunnelSegmentedSends > 0 && cb.TunnelSegmentedSends > 0, $"no UDP GSO send: {ca} / {cb}");
        Assert.True(ca.TunnelCoalescedReceives > 0 && cb.TunnelCoalescedReceives > 0, $"no UDP GRO receive: {ca} / {cb}");
        Assert.True(ca.TunCoalescedWrites > 0 && cb.TunCoalescedWrites > 0, $"no coalesced TUN write: {ca} / {cb}");
        Assert.True(ca.IoDrops + cb.IoDrops == 0, $"{ca} / {cb}");
    }
}
