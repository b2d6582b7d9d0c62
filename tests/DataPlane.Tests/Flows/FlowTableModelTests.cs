using System.Diagnostics;
using Oakestra.Actors.DataPlane.Addressing;
using Oakestra.Actors.DataPlane.Flows;
using Oakestra.Actors.DataPlane.Packets;
using Oakestra.Actors.DataPlane.Translation;

namespace Oakestra.Actors.DataPlane.Tests.Flows;

/// <summary>The flow table against a plain dictionary model: a flow is live exactly while idle ≤ its timeout.</summary>
public class FlowTableModelTests
{
    [Theory, InlineData(1), InlineData(2), InlineData(3)]
    public void Lookups_agree_with_a_model_under_random_traffic_time_and_sweeps(int seed)
    {
        var options = FlowTableOptions.Default with { Capacity = 4096, UdpIdle = TimeSpan.FromSeconds(30), TcpEstablishedIdle = TimeSpan.FromSeconds(120), TcpClosingIdle = TimeSpan.FromSeconds(10) };
        var table = new FlowTable(options, new DataPlaneCounters());
        var model = new Dictionary<(int Port, bool Tcp), (long Last, bool Closing)>();
        long second = Stopwatch.Frequency, now = 1_000 * second;
        long Timeout(bool tcp, bool closing) => (tcp ? (closing ? 10 : 120) : 30) * second;
        var random = new Random(seed);
        FlowKey Key(int port, bool tcp, bool reverse) => reverse
            ? new(IpKey.FromV4(0x0A1E0202), IpKey.FromV4(0x0A1E000A), 80, (ushort)port, tcp ? TransportProtocol.Tcp : TransportProtocol.Udp)
            : new(IpKey.FromV4(0x0A130101), IpKey.FromV4(0x0A1E0064), (ushort)port, 80, tcp ? TransportProtocol.Tcp : TransportProtocol.Udp);

        for (int step = 0; step < 60_000; step++)
        {
            int op = random.Next(100);
            if (op < 3) { now += random.Next(0, 40) * second / 2; continue; }
            if (op < 6) { table.Sweep(now, random.Next(1, 64)); continue; }

            int port = random.Next(1, 600);
            bool tcp = random.Next(2) == 0;
            bool reverse = random.Next(2) == 0;
            byte flags = tcp && random.Next(50) == 0 ? ParsedPacket.TcpFin : (byte)0;
            var key = Key(port, tcp, reverse);
            int e = table.Find(key, key.Hash(), now);

            bool live = model.TryGetValue((port, tcp), out var m) && now - m.Last <= Timeout(tcp, m.Closing);
            Assert.True(live == e >= 0, $"step {step}: model says live={live}, table found {e}");
            if (e >= 0)
            {
                table.Touch(e, flags, now);
                model[(port, tcp)] = (now, m.Closing || flags != 0);
            }
            else
            {
                var f = Key(port, tcp, false);
                var r = Key(port, tcp, true);
                table.Insert(f, f.Hash(), r, r.Hash(), flags, now);
                model[(port, tcp)] = (now, flags != 0);
            }
            Assert.True(table.Count <= options.Capacity);
        }
    }
}
