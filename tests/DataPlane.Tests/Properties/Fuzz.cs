using System.Buffers.Binary;
using Oakestra.Actors.DataPlane.Forwarding;
using Oakestra.Actors.DataPlane.Packets;
using Oakestra.Actors.DataPlane.Tests.Support;
using Oakestra.Actors.DataPlane.Translation;
using static Oakestra.Actors.DataPlane.Tests.Support.Lab;

namespace Oakestra.Actors.DataPlane.Tests.Properties;

/// <summary>
/// A million hostile inputs, each ending exactly at an inaccessible guard page: any read past <c>length</c>
/// kills the test process, any exception fails the test. Seeded, so a failure reproduces.
/// </summary>
public class Fuzz
{
    internal static readonly ThreadLocal<PacketTranslator> Shared = new(() => Translator());

    private static readonly byte[][] Seeds =
    [
        Wire.Build(Wire.Tcp, ANs4, RemoteClosest4, 666, 80),
        Wire.Build(Wire.Udp, ANs6, RemoteRr6, 1, 53),
        Wire.Build(Wire.Icmp, ANs4, ServerRr4, 7, 1),
        Wire.Build(Wire.IcmpV6, A2Ns6, ServerClosest6, 7, 1, icmpType: 128),
        Wire.Build(Wire.Tcp, R1Inst4, AInst4, 80, 666),
        Wire.Build(Wire.Udp, R1Inst6, AInst6, 53, 1),
        Wire.Build(Wire.Udp, ANs6, RemoteRr6, 1, 53, ipv6HopByHop: [0, 0, 1, 4, 0, 0, 0, 0]),
        Wire.Build(Wire.Tcp, ANs4, LInst4, 1, 2, ipv4Options: [1, 1, 1, 0]),
    ];

    private static unsafe void Feed(PacketTranslator t, GuardedBuffer guard, ReadOnlySpan<byte> data, Random random)
    {
        byte* p = guard.Place(data);
        var meta = new PacketMeta { PeerIndex = random.Next(-1, 4), NeedsChecksum = random.Next(4) == 0 };
        var source = random.Next(2) == 0 ? PacketSource.Tun : PacketSource.Tunnel;
        t.Process(source, p, data.Length, ref meta);
        // The parser and rewriter alone, with arbitrary addresses, on the same bytes.
        if (PacketParser.Parse(p, data.Length, out var parsed) == ParseResult.Ok)
            PacketRewriter.Rewrite(p, ref parsed, parsed.Destination ^ 1, parsed.Source ^ 2, meta.NeedsChecksum);
    }

    [Fact]
    public void A_million_random_and_mutated_packets_neither_throw_nor_read_past_the_end()
    {
        using var guard = new GuardedBuffer(4096);
        Assert.True(guard.Guarded || !OperatingSystem.IsLinux());
        var t = Translator();
        var random = new Random(20261126);
        var sink = new CountingSink();
        var buffer = new byte[4096];
        for (int i = 0; i < 1_000_000; i++)
        {
            int length;
            if ((i & 1) == 0)
            {
                // Random bytes, steered towards plausible headers half of the time so the deep paths run.
                length = random.Next(0, 120);
                random.NextBytes(buffer.AsSpan(0, length));
                if (length > 0 && random.Next(2) == 0)
                {
                    buffer[0] = random.Next(2) == 0 ? (byte)(0x40 | random.Next(16)) : (byte)0x60;
                    if (length > 20 && buffer[0] >> 4 == 4) { buffer[9] = (byte)(new[] { 1, 6, 17, 58 })[random.Next(4)]; buffer[6] = 0; buffer[7] = 0; BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), (ushort)random.Next(0, length + 8)); }
                    if (length > 40 && buffer[0] >> 4 == 6) { buffer[6] = (byte)(new[] { 0, 6, 17, 43, 44, 58, 60 })[random.Next(7)]; BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(4), (ushort)random.Next(0, length)); }
                }
            }
            else
            {
                // A valid packet with a few bytes flipped and maybe cut short.
                var seed = Seeds[random.Next(Seeds.Length)];
                seed.CopyTo(buffer, 0);
                length = seed.Length;
                int flips = random.Next(0, 4);
                for (int f = 0; f < flips; f++) buffer[random.Next(Math.Min(length, 64))] = (byte)random.Next(256);
                if (random.Next(3) == 0) length = random.Next(0, length + 1);
            }
            Feed(t, guard, buffer.AsSpan(0, length), random);
            if ((i & 1023) == 0) t.Poll(T0 + i, ref sink);
        }
        Assert.True(t.Counters.TotalDropped > 0);
    }
}
