using Oakestra.Actors.DataPlane.Forwarding;
using Oakestra.Actors.DataPlane.Tests.Support;
using Oakestra.Actors.DataPlane.Translation;
using static Oakestra.Actors.DataPlane.Tests.Support.Lab;

namespace Oakestra.Actors.DataPlane.Tests.Translation;

/// <summary>The packet path allocates nothing: flow hits, new flows, evictions, replies, local delivery, misses (of destinations and of tunnel sources), trust drops and polls.</summary>
public class AllocationTests
{
    [Fact]
    public unsafe void Translating_100000_packets_allocates_zero_bytes()
    {
        var t = Translator(options: SmallOptions(flows: 256)); // small, so evictions happen too
        byte[][] templates =
        [
            Wire.Build(Wire.Tcp, ANs4, RemoteClosest4, 666, 80),
            Wire.Build(Wire.Udp, ANs6, RemoteRr6, 5000, 53),
            Wire.Build(Wire.Tcp, ANs4, ServerRr4, 7000, 80),      // local target on some turns
            Wire.Build(Wire.IcmpV6, A2Ns6, ServerClosest6, 9, 1, icmpType: 128),
            Wire.Build(Wire.Tcp, R1Inst4, AInst4, 80, 666),       // reply from the tunnel
            Wire.Build(Wire.Udp, R1Inst4, AInst4, 5, 6),          // learned sender
            Wire.Build(Wire.Udp, "10.30.9.9", AInst4, 5, 6),      // a tunnel source the routes do not know: a miss
            Wire.Build(Wire.Udp, R0Inst4, AInst4, 5, 6),          // R0 lives on peer 0, not peer 1: dropped
            Wire.Build(Wire.Udp, ANs4, "10.30.8.8", 1, 2),        // miss
            Wire.Build(Wire.Udp, ANs4, "10.19.1.200", 1, 2),      // not service
        ];
        var buffer = new byte[2048];
        var sink = new CountingSink();

        void RunMany(int count)
        {
            fixed (byte* p = buffer)
            {
                for (int i = 0; i < count; i++)
                {
                    var template = templates[i % templates.Length];
                    template.CopyTo(buffer, 0);
                    if ((i & 7) == 1) { buffer[40] = (byte)(i >> 8); buffer[41] = (byte)i; } // a new UDP v6 flow now and then
                    bool tunnel = i % templates.Length is >= 4 and <= 7;
                    var meta = new PacketMeta { PeerIndex = tunnel ? 1 : -1 };
                    var source = tunnel ? PacketSource.Tunnel : PacketSource.Tun;
                    t.Process(source, p, template.Length, ref meta);
                    if ((i & 255) == 0) t.Poll(T0 + i * 100_000L, ref sink);
                }
            }
        }

        RunMany(20_000); // warm-up: JIT, tiering
        long before = GC.GetAllocatedBytesForCurrentThread();
        RunMany(100_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(t.Counters[DataPlaneCounter.FlowHit] > 10_000);
        Assert.True(t.Counters[DataPlaneCounter.FlowNew] > 1_000);
        Assert.True(t.Counters[DataPlaneCounter.FlowEvicted] + t.Counters[DataPlaneCounter.FlowExpired] > 0);
        Assert.True(t.Counters[DataPlaneCounter.MissQueued] > 0);
        Assert.True(t.Counters[DataPlaneCounter.DropSourceNotOnPeer] > 0);
    }
}
