using System.Net;
using Oakestra.Actors.DataPlane.Addressing;
using Oakestra.Actors.DataPlane.Flows;
using Oakestra.Actors.DataPlane.Forwarding;
using Oakestra.Actors.DataPlane.Packets;
using Oakestra.Actors.DataPlane.Tests.Support;
using Oakestra.Actors.DataPlane.Translation;
using static Oakestra.Actors.DataPlane.Tests.Support.Lab;

namespace Oakestra.Actors.DataPlane.Tests.Flows;

public class FlowTableTests
{
    private static readonly CountingSink NoSink = default;

    private static void Tick(PacketTranslator t, TimeSpan since)
    {
        var sink = NoSink;
        t.Poll(After(since), ref sink);
    }

    /// <summary>Sends one packet of a flow to the RR address of 'remote' and says which instance it reached.</summary>
    private static IPAddress Send(PacketTranslator t, byte protocol, ushort port, byte tcpFlags = 0x18)
    {
        var p = Wire.Build(protocol, ANs4, RemoteRr4, port, 80, tcpFlags: tcpFlags);
        Assert.Equal(Disposition.ToTunnel, t.FromTun(p, out _));
        return Wire.Destination(p);
    }

    [Fact]
    public void Udp_flow_stays_on_its_instance_until_idle_longer_than_the_udp_timeout()
    {
        var t = Translator();
        var first = Send(t, Wire.Udp, 5000);
        Tick(t, TimeSpan.FromSeconds(29));
        Assert.Equal(first, Send(t, Wire.Udp, 5000)); // still the same flow (RR would have moved on otherwise)
        Tick(t, TimeSpan.FromSeconds(29 + 31));
        Assert.NotEqual(first, Send(t, Wire.Udp, 5000)); // expired: a new flow, the next RR turn
        Assert.Equal(1, t.Counters[DataPlaneCounter.FlowExpired]);
        Assert.Equal(2, t.Counters[DataPlaneCounter.FlowNew]);
    }

    [Fact]
    public void A_busy_udp_flow_outlives_many_timeouts_while_the_sweep_runs()
    {
        var t = Translator();
        var first = Send(t, Wire.Udp, 5000);
        for (int s = 20; s <= 300; s += 20)
        {
            Tick(t, TimeSpan.FromSeconds(s));
            Assert.Equal(first, Send(t, Wire.Udp, 5000));
            Tick(t, TimeSpan.FromSeconds(s + 11));
        }
        Assert.Equal(1, t.Counters[DataPlaneCounter.FlowNew]);
        Assert.Equal(0, t.Counters[DataPlaneCounter.FlowExpired]);
    }

    [Fact]
    public void Established_tcp_survives_long_idle_periods_but_not_after_fin()
    {
        var t = Translator();
        var first = Send(t, Wire.Tcp, 5000);
        Tick(t, TimeSpan.FromSeconds(200));
        Assert.Equal(first, Send(t, Wire.Tcp, 5000, tcpFlags: 0x11)); // FIN+ACK: from now on the short timeout
        Tick(t, TimeSpan.FromSeconds(200 + 11));
        Assert.Equal(0, t.FlowCount); // swept by Poll
        Assert.Equal(1, t.Counters[DataPlaneCounter.FlowExpired]);
    }

    [Fact]
    public void A_new_connection_on_the_ports_of_a_closed_one_gets_the_long_timeout_again()
    {
        // The live suite's idle-flow step lost 6 of 30 connections this way: the kernel reused a client port whose
        // connection the server had just closed (FIN), so the new connection ran on a flow in the closing class,
        // which expired 10 s into its silence; the next request became a new flow, went to the next RR instance
        // and was reset there.
        var t = Translator();
        Send(t, Wire.Tcp, 5000);
        Send(t, Wire.Tcp, 5000, tcpFlags: 0x11); // FIN+ACK: the old connection ends
        Tick(t, TimeSpan.FromSeconds(2));
        var second = Send(t, Wire.Tcp, 5000, tcpFlags: 0x02); // a SYN on the same ports: a new connection, a new flow
        Assert.Equal(2, t.Counters[DataPlaneCounter.FlowNew]);
        Tick(t, TimeSpan.FromSeconds(2 + 11));
        Tick(t, TimeSpan.FromSeconds(2 + 60));
        Assert.Equal(1, t.FlowCount); // silent for a minute, still there
        Assert.Equal(second, Send(t, Wire.Tcp, 5000)); // and on the instance its SYN went to
        Assert.Equal(0, t.Counters[DataPlaneCounter.FlowExpired]);
    }

    [Fact]
    public void Rst_from_the_other_side_shortens_the_timeout_too()
    {
        var t = Translator();
        Send(t, Wire.Tcp, 5000);
        var rst = Wire.Build(Wire.Tcp, R0Inst4, AInst4, 80, 5000, tcpFlags: 0x04);
        Assert.Equal(Disposition.ToTun, t.FromTunnel(rst, 0, out _));
        Assert.Equal(IPAddress.Parse(RemoteRr4), Wire.Source(rst));
        Tick(t, TimeSpan.FromSeconds(11));
        Assert.Equal(0, t.FlowCount);
    }

    [Fact]
    public void A_full_table_evicts_the_longest_idle_flow()
    {
        var t = Translator(options: SmallOptions(flows: 4));
        for (ushort port = 1; port <= 4; port++) { Tick(t, TimeSpan.FromSeconds(port)); Send(t, Wire.Udp, port); }
        Tick(t, TimeSpan.FromSeconds(5));
        Send(t, Wire.Udp, 1); // flow 1 is used again: flow 2 is now the longest idle
        Send(t, Wire.Udp, 5);
        Assert.Equal(4, t.FlowCount);
        Assert.Equal(1, t.Counters[DataPlaneCounter.FlowEvicted]);
        long before = t.Counters[DataPlaneCounter.FlowNew];
        Send(t, Wire.Udp, 1);
        Assert.Equal(before, t.Counters[DataPlaneCounter.FlowNew]); // flow 1 survived
        Send(t, Wire.Udp, 2);
        Assert.Equal(before + 1, t.Counters[DataPlaneCounter.FlowNew]); // flow 2 was the one evicted
    }

    [Fact]
    public void Many_flows_inserted_and_removed_keep_every_lookup_right()
    {
        // Exercises backward-shift deletion in the index under collisions and churn.
        var counters = new DataPlaneCounters();
        var table = new FlowTable(FlowTableOptions.Default with { Capacity = 512 }, counters);
        var live = new Dictionary<int, int>(); // port -> entry
        var random = new Random(7);
        FlowKey Fwd(int port) => new(IpKey.FromV4(0x0A130101), IpKey.FromV4(0x0A1E0064), (ushort)port, 80, TransportProtocol.Udp);
        FlowKey Rev(int port) => new(IpKey.FromV4(0x0A1E0202), IpKey.FromV4(0x0A1E000A), 80, (ushort)port, TransportProtocol.Udp);
        for (int step = 0; step < 20000; step++)
        {
            int port = random.Next(1, 700);
            if (live.TryGetValue(port, out int e))
            {
                Assert.Equal(e, table.Find(Fwd(port), Fwd(port).Hash(), T0));
                Assert.Equal(e, table.Find(Rev(port), Rev(port).Hash(), T0));
                table.Remove(e);
                live.Remove(port);
            }
            else if (live.Count < 512)
            {
                Assert.Equal(-1, table.Find(Fwd(port), Fwd(port).Hash(), T0));
                live[port] = table.Insert(Fwd(port), Fwd(port).Hash(), Rev(port), Rev(port).Hash(), 0, T0);
            }
        }
        Assert.Equal(live.Count, table.Count);
        foreach (var (port, e) in live) Assert.Equal(e, table.Find(Rev(port), Rev(port).Hash(), T0));
    }
}
