using System.Net;
using Oakestra.Actors.DataPlane.Balancing;
using Oakestra.Actors.DataPlane.Forwarding;
using Oakestra.Actors.DataPlane.Routing;
using Oakestra.Actors.DataPlane.Tests.Support;
using Oakestra.Actors.DataPlane.Translation;
using static Oakestra.Actors.DataPlane.Tests.Support.Lab;

namespace Oakestra.Actors.DataPlane.Tests.Misses;

public class MissQueueTests
{
    private const string NewRr = "10.30.0.250";

    private static RouteTableSpec WithNewService(long version) => Spec(version) with
    {
        Services = [.. Spec().Services, new ServiceSpec("newcomer", [new(IPAddress.Parse(NewRr), BalancingPolicyId.RoundRobin)],
            [new(IPAddress.Parse("10.30.3.1"), null, 1)])],
    };

    [Fact]
    public void Packets_to_an_unknown_service_ip_wait_are_reported_once_and_flow_out_when_the_route_arrives()
    {
        var holder = new SnapshotHolder(RouteSnapshot.Compile(Spec(1)));
        var t = new PacketTranslator(holder, SmallOptions());
        t.SetTime(T0);
        var first = Wire.Build(Wire.Tcp, ANs4, NewRr, 40000, 80, tcpFlags: 0x02);
        var second = Wire.Build(Wire.Tcp, ANs4, NewRr, 40000, 80, tcpFlags: 0x10);
        Assert.Equal(Disposition.Queued, t.FromTun(first, out _));
        Assert.Equal(Disposition.Queued, t.FromTun(second, out _));

        Assert.True(t.TryReadMiss(out var report));
        Assert.Equal(IPAddress.Parse(NewRr), report.Address);
        Assert.Equal(1, report.SnapshotVersion);
        Assert.False(t.TryReadMiss(out _)); // once per destination

        var sink = new CollectingSink();
        t.Poll(After(TimeSpan.FromMilliseconds(100)), ref sink);
        Assert.Empty(sink.Emitted); // still no route

        holder.Publish(RouteSnapshot.Compile(WithNewService(2)));
        t.Poll(After(TimeSpan.FromMilliseconds(200)), ref sink);

        Assert.Equal(2, sink.Emitted.Count);
        Assert.All(sink.Emitted, e =>
        {
            Assert.Equal(Disposition.ToTunnel, e.Where);
            Assert.Equal(1, e.Meta.PeerIndex);
            Assert.Equal(IPAddress.Parse(AInst4), Wire.Source(e.Packet));
            Assert.Equal(IPAddress.Parse("10.30.3.1"), Wire.Destination(e.Packet));
            Wire.AssertChecksumsValid(e.Packet);
        });
        Assert.Equal(0x02, sink.Emitted[0].Packet[20 + 13]); // order kept: SYN first
        Assert.Equal(2, t.Counters[DataPlaneCounter.MissFlushed]);
        Assert.Equal(0, t.WaitingDestinations);
        Assert.Equal(1, t.Counters[DataPlaneCounter.FlowNew]); // both packets are one flow
    }

    [Fact]
    public void Packets_that_wait_longer_than_the_timeout_are_dropped_and_counted()
    {
        var t = Translator();
        t.FromTun(Wire.Build(Wire.Udp, ANs4, NewRr, 1, 53), out _);
        t.SetTime(After(TimeSpan.FromSeconds(1)));
        t.FromTun(Wire.Build(Wire.Udp, ANs4, NewRr, 2, 53), out _);

        var sink = new CollectingSink();
        t.Poll(After(TimeSpan.FromSeconds(2.5)), ref sink);
        Assert.Equal(1, t.Counters[DataPlaneCounter.DropMissExpired]);
        Assert.Equal(1, t.WaitingDestinations);
        t.Poll(After(TimeSpan.FromSeconds(3.5)), ref sink);
        Assert.Equal(2, t.Counters[DataPlaneCounter.DropMissExpired]);
        Assert.Equal(0, t.WaitingDestinations);
        Assert.Empty(sink.Emitted);

        // Once given up, a new miss for the destination is reported again.
        Assert.True(t.TryReadMiss(out _));
        t.FromTun(Wire.Build(Wire.Udp, ANs4, NewRr, 3, 53), out _);
        Assert.True(t.TryReadMiss(out _));
    }

    [Fact]
    public void Queue_bounds_per_destination_and_in_destinations_drop_and_count()
    {
        var t = Translator(); // 4 destinations, 3 packets each
        for (int i = 0; i < 5; i++) t.FromTun(Wire.Build(Wire.Udp, ANs4, NewRr, (ushort)i, 53), out _);
        Assert.Equal(2, t.Counters[DataPlaneCounter.DropMissQueueFull]);
        for (int d = 1; d <= 4; d++) t.FromTun(Wire.Build(Wire.Udp, ANs4, $"10.30.5.{d}", 1, 53), out _);
        Assert.Equal(3, t.Counters[DataPlaneCounter.DropMissQueueFull]);
        Assert.Equal(4, t.WaitingDestinations);
    }

    [Fact]
    public void A_service_ip_whose_service_has_no_instance_yet_also_waits()
    {
        var spec = Spec() with
        {
            Services = [.. Spec().Services, new ServiceSpec("empty", [new(IPAddress.Parse(NewRr), BalancingPolicyId.RoundRobin)], [])],
        };
        var t = Translator(spec);
        Assert.Equal(Disposition.Queued, t.FromTun(Wire.Build(Wire.Udp, ANs4, NewRr, 1, 53), out _));
        Assert.True(t.TryReadMiss(out var report));
        Assert.Equal(IPAddress.Parse(NewRr), report.Address);
    }

    [Fact]
    public void Usage_counts_packets_per_service_since_the_last_read()
    {
        var holder = new SnapshotHolder(RouteSnapshot.Compile(Spec(1)));
        var t = new PacketTranslator(holder, SmallOptions());
        var usage = new ServiceUsageTracker();
        for (int i = 0; i < 3; i++) t.FromTun(Wire.Build(Wire.Udp, ANs4, RemoteRr4, 1, 53), out _);
        t.FromTun(Wire.Build(Wire.Udp, ANs4, ServerClosest4, 1, 53), out _);

        var delta = usage.TakeDelta(holder.Current);
        Assert.Equal(3, delta["remote"]);
        Assert.Equal(1, delta["server"]);
        Assert.Empty(usage.TakeDelta(holder.Current));

        t.FromTun(Wire.Build(Wire.Udp, ANs4, RemoteRr4, 1, 53), out _);
        holder.Publish(RouteSnapshot.Compile(Spec(2), previous: holder.Current));
        t.FromTun(Wire.Build(Wire.Udp, ANs4, RemoteRr4, 1, 53), out _);
        Assert.Equal(2, usage.TakeDelta(holder.Current)["remote"]); // one before the swap, one after
    }
}
