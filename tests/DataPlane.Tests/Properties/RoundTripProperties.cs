using System.Net;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Oakestra.Actors.DataPlane.Forwarding;
using Oakestra.Actors.DataPlane.Tests.Support;
using static Oakestra.Actors.DataPlane.Tests.Support.Lab;

namespace Oakestra.Actors.DataPlane.Tests.Properties;

/// <summary>Translate → reply → translate gives each application exactly the addresses it expects; every checksum verifies.</summary>
public class RoundTripProperties
{
    public sealed record Case(bool V6, byte Protocol, bool FromA2, ushort SourcePort, ushort DestinationPort, int Dialled, byte[] Payload, bool Partial, byte Ttl)
    {
        public override string ToString() => $"v6={V6} proto={Protocol} a2={FromA2} {SourcePort}->{Dialled}:{DestinationPort} len={Payload.Length} partial={Partial}";
    }

    // Service IPs with local and remote targets, and Instance IPs local and remote.
    private static readonly (string V4, string V6)[] Dialable =
    [
        (ServerRr4, ServerRr6), (ServerClosest4, ServerClosest6), (RemoteRr4, RemoteRr6), (RemoteClosest4, RemoteClosest6),
        (R2Inst4, R2Inst6), (LInst4, LInst6), (S3Inst4, S3Inst6),
    ];

    private static Gen<Case> Cases =>
        from v6 in ArbMap.Default.GeneratorFor<bool>()
        from protocol in Gen.Elements(Wire.Tcp, Wire.Udp, Wire.Icmp)
        from a2 in ArbMap.Default.GeneratorFor<bool>()
        from sport in Gen.Choose(0, 65535)
        from dport in Gen.Frequency((1, Gen.Constant(65535)), (5, Gen.Choose(0, 65535)))
        from dialled in Gen.Choose(0, Dialable.Length - 1)
        from payload in Gen.Choose(0, 300).SelectMany(n => Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), n))
        from partial in ArbMap.Default.GeneratorFor<bool>()
        from ttl in Gen.Choose(1, 255)
        select new Case(v6, protocol == Wire.Icmp && v6 ? Wire.IcmpV6 : protocol, a2, (ushort)sport, (ushort)dport, dialled, payload,
            partial && protocol != Wire.Icmp, (byte)ttl);

    private static byte? Echo(Case c, bool reply) => c.Protocol switch
    {
        Wire.Icmp => reply ? (byte)0 : (byte)8,
        Wire.IcmpV6 => reply ? (byte)129 : (byte)128,
        _ => null,
    };

    private static void AssertChecksums(byte[] p, bool partial)
    {
        if (!partial) { Wire.AssertChecksumsValid(p); return; }
        Assert.Equal(Wire.PseudoHeaderSum(p), Wire.ChecksumField(p));
        if (!Wire.IsV6(p)) Assert.Equal(0xFFFF, Wire.OnesSum(p.AsSpan(0, (p[0] & 0xF) * 4)));
    }

    [Property(MaxTest = 3000)]
    public Property Request_and_reply_carry_the_addresses_each_side_expects() => Prop.ForAll(Cases.ToArbitrary(), c =>
    {
        var t = Translator();
        string P(string v4, string v6) => c.V6 ? v6 : v4;
        string senderNs = c.FromA2 ? P(A2Ns4, A2Ns6) : P(ANs4, ANs6);
        string senderInst = c.FromA2 ? P(A2Inst4, A2Inst6) : P(AInst4, AInst6);
        string dialled = P(Dialable[c.Dialled].V4, Dialable[c.Dialled].V6);
        bool icmp = c.Protocol is Wire.Icmp or Wire.IcmpV6;
        ushort dport = icmp ? c.SourcePort : c.DestinationPort;

        var request = Wire.Build(c.Protocol, senderNs, dialled, c.SourcePort, c.DestinationPort, c.Payload, ttl: c.Ttl, icmpType: Echo(c, false));
        if (c.Partial) Wire.MakePartial(request);
        var original = (byte[])request.Clone();
        var where = t.FromTun(request, out var meta, c.Partial);

        Assert.True(where is Disposition.ToTun or Disposition.ToTunnel, $"{where}");
        Assert.Equal(IPAddress.Parse(senderInst), Wire.Source(request)); // receivers always see the sender's Instance IP
        AssertChecksums(request, c.Partial);
        Assert.Equal(original.AsSpan(Wire.TransportOffset(original) + (icmp ? 4 : 0), 4 - (icmp ? 2 : 0)).ToArray(),
            request.AsSpan(Wire.TransportOffset(request) + (icmp ? 4 : 0), 4 - (icmp ? 2 : 0)).ToArray()); // ports / identifier
        Assert.Equal(original.AsSpan(original.Length - c.Payload.Length).ToArray(), request.AsSpan(request.Length - c.Payload.Length).ToArray());

        // The receiving side answers from whatever it saw as its own address.
        var replyFrom = Wire.Destination(request).ToString();
        byte[] reply;
        if (where == Disposition.ToTunnel)
        {
            reply = Wire.Build(c.Protocol, replyFrom, senderInst, dport, c.SourcePort, c.Payload, icmpType: Echo(c, true));
            if (c.Partial) Wire.MakePartial(reply);
            var m = new PacketMeta { PeerIndex = meta.PeerIndex, NeedsChecksum = c.Partial };
            Assert.Equal(Disposition.ToTun, t.Run(PacketSource.Tunnel, reply, ref m));
        }
        else
        {
            reply = Wire.Build(c.Protocol, replyFrom, senderInst, dport, c.SourcePort, c.Payload, icmpType: Echo(c, true));
            if (c.Partial) Wire.MakePartial(reply);
            var m = new PacketMeta { PeerIndex = -1, NeedsChecksum = c.Partial };
            Assert.Equal(Disposition.ToTun, t.Run(PacketSource.Tun, reply, ref m));
        }
        Assert.Equal(IPAddress.Parse(dialled), Wire.Source(reply)); // connect()ed sockets accept it
        Assert.Equal(IPAddress.Parse(senderNs), Wire.Destination(reply));
        AssertChecksums(reply, c.Partial);

        // Later packets of the flow take the flow-hit paths (cached rewrite deltas): the same addresses, valid sums.
        var again = Wire.Build(c.Protocol, senderNs, dialled, c.SourcePort, c.DestinationPort, c.Payload, ttl: c.Ttl, icmpType: Echo(c, false));
        if (c.Partial) Wire.MakePartial(again);
        var m2 = new PacketMeta { PeerIndex = -1, NeedsChecksum = c.Partial };
        Assert.Equal(where, t.Run(PacketSource.Tun, again, ref m2));
        Assert.Equal(IPAddress.Parse(senderInst), Wire.Source(again));
        Assert.Equal(IPAddress.Parse(replyFrom), Wire.Destination(again));
        AssertChecksums(again, c.Partial);
        if (where == Disposition.ToTunnel)
        {
            var reply2 = Wire.Build(c.Protocol, replyFrom, senderInst, dport, c.SourcePort, c.Payload, icmpType: Echo(c, true));
            if (c.Partial) Wire.MakePartial(reply2);
            var m3 = new PacketMeta { PeerIndex = meta.PeerIndex, NeedsChecksum = c.Partial };
            Assert.Equal(Disposition.ToTun, t.Run(PacketSource.Tunnel, reply2, ref m3));
            Assert.Equal(IPAddress.Parse(dialled), Wire.Source(reply2));
            Assert.Equal(IPAddress.Parse(senderNs), Wire.Destination(reply2));
            AssertChecksums(reply2, c.Partial);
        }
        return true;
    });

    [Property(MaxTest = 5000)]
    public bool Arbitrary_bytes_never_throw(byte[] bytes, bool fromTunnel)
    {
        var t = Fuzz.Shared.Value!;
        var meta = new PacketMeta { PeerIndex = fromTunnel ? 1 : -1 };
        t.Run(fromTunnel ? PacketSource.Tunnel : PacketSource.Tun, bytes, ref meta);
        return true;
    }
}
