using System.Net;
using System.Net.Sockets;
using System.Text;
using Oakestra.Actors.DataPlane.Balancing;
using Oakestra.Actors.DataPlane.Forwarding;
using Oakestra.Actors.DataPlane.Loop;
using Oakestra.Actors.DataPlane.Native;
using Oakestra.Actors.DataPlane.Routing;
using Oakestra.Actors.DataPlane.Translation;
using Oakestra.Actors.DataPlane.Tun;
using Oakestra.Actors.DataPlane.Tunnel;
using Oakestra.Actors.DataPlane.Tests.Support;
using Oakestra.Actors.Tests.Shared;
using static Oakestra.Actors.DataPlane.Tests.Support.Lab;

namespace Oakestra.Actors.DataPlane.Tests.Io;

/// <summary>
/// Replaying and tampering with sealed datagrams, real sockets. Two namespaces (prefix oaka-, link 10.99.50.0/30):
/// a node with the real translator and a sealed loop, instance A's Namespace IP 10.99.50.100 on its TUN; and its
/// peer 0 at 10.99.50.2, played by the test: it holds the peer's key pair, derives the pair keys as a real peer
/// would and seals by hand, so the test has every datagram's bytes, as a wire capture would.
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed class TunnelReplayTests
{
    private const string NodeLink = "10.99.50.1", PeerAddress = "10.99.50.2", ANamespace = "10.99.50.100";

    [SkippableFact]
    public unsafe void A_captured_datagram_replayed_is_dropped_and_counted_and_a_tampered_one_counts_as_an_auth_failure()
    {
        Requires.RootWithNetns();
        var owned = new List<IDisposable>();
        T Own<T>(T item) where T : IDisposable { owned.Add(item); return item; }
        try
        {
            var node = Own(Netns.Named("oaka-rnode"));
            var peer = Own(Netns.Named("oaka-rpeer"));
            node.Ip($"link add oaka-rn type veth peer name oaka-rp netns {peer.Name}");
            node.Ip($"addr add {NodeLink}/30 dev oaka-rn");
            peer.Ip($"addr add {PeerAddress}/30 dev oaka-rp");
            node.Ip("link set oaka-rn up");
            peer.Ip("link set oaka-rp up");

            var peerIdentity = TunnelIdentity.Ephemeral();
            var peerEndPoint = new IPEndPoint(IPAddress.Parse(PeerAddress), UdpTunnelOptions.DefaultPort);
            var peers = new[] { peerEndPoint, new IPEndPoint(IPAddress.Parse("10.99.50.3"), UdpTunnelOptions.DefaultPort) };
            var translator = new PacketTranslator(new SnapshotHolder(RouteSnapshot.Compile(ClientBehindPeers(peers, ANamespace))), SmallOptions());
            var tunnel = Own(NetworkNamespace.Run(node.Name, () => UdpTunnel.Open(new UdpTunnelOptions())));
            Assert.Equal(TunnelSecurity.Aead, tunnel.Security);
            tunnel.PublishPeers([new TunnelPeer(peerEndPoint, peerIdentity.PublicKey, peerIdentity.Salt), new TunnelPeer(peers[1])]);
            var tun = Own(NetworkNamespace.Run(node.Name, () => TunDevice.Open(new TunOptions("oaka-rt") { BringUp = true, Mtu = 1500 - tunnel.Overhead })));
            node.Ip($"addr add {ANamespace}/32 dev oaka-rt");
            var loop = Own(new ForwardingLoop<PacketTranslator>(translator, tun, tunnel));
            loop.Start();

            var instance = Own(NetworkNamespace.Run(node.Name, () => UdpSockets.Bound(ANamespace, 40000)));
            var peerSocket = Own(NetworkNamespace.Run(peer.Name, () => UdpSockets.Bound(PeerAddress, UdpTunnelOptions.DefaultPort)));
            var sealer = Own(new SessionCipher(PeerSession.Create(peerIdentity, tunnel.Identity.PublicKey, tunnel.Identity.Salt)));
            var nodeTunnel = new IPEndPoint(IPAddress.Parse(NodeLink), UdpTunnelOptions.DefaultPort);
            byte[] Sealed(string text)
            {
                var inner = Wire.Build(Wire.Udp, R0Inst4, AInst4, 80, 40000, Encoding.ASCII.GetBytes(text));
                var datagram = new byte[TunnelHeader.Length + inner.Length + SessionCipher.TagLength];
                inner.CopyTo(datagram, TunnelHeader.Length);
                fixed (byte* p = datagram)
                {
                    TunnelHeader.WritePlainData(p, TunnelFlags.None);
                    TunnelHeader.MarkSealed(p);
                    sealer.Seal(p, inner.Length);
                }
                return datagram;
            }
            string NextAtInstance()
            {
                var buffer = new byte[2048];
                return Encoding.ASCII.GetString(buffer, 0, instance.Receive(buffer));
            }

            var captured = Sealed("first");
            peerSocket.SendTo(captured, nodeTunnel);
            Assert.Equal("first", NextAtInstance());

            // The capture sent again, from the peer's own address and port: refused before the AEAD runs.
            peerSocket.SendTo(captured, nodeTunnel);
            Assert.True(Wait.Until(() => loop.Counters.TunnelReplayed == 1), loop.Counters.ToString());

            // Tampered: one ciphertext byte of a fresh datagram, and the capture with its counter moved on.
            var fresh = Sealed("second");
            var tampered = fresh.ToArray();
            tampered[TunnelHeader.Length + 30] ^= 0x40;
            peerSocket.SendTo(tampered, nodeTunnel);
            var recountered = captured.ToArray();
            recountered[TunnelHeader.Length - 1] += 100;
            peerSocket.SendTo(recountered, nodeTunnel);
            Assert.True(Wait.Until(() => loop.Counters.TunnelAuthFailed == 2), loop.Counters.ToString());

            // The forgeries moved nothing: the genuine datagram still opens, and it is the next thing A receives.
            peerSocket.SendTo(fresh, nodeTunnel);
            Assert.Equal("second", NextAtInstance());
            var c = loop.Counters;
            Assert.Equal((1L, 2L, 2L), (c.TunnelReplayed, c.TunnelAuthFailed, translator.Counters[DataPlaneCounter.InToTun]));
        }
        finally
        {
            for (var i = owned.Count - 1; i >= 0; i--)
            {
                try { owned[i].Dispose(); } catch (Exception) { /* keep cleaning */ }
            }
        }
        Assert.False(Netns.Exists("oaka-rnode"));
        Assert.False(Netns.Exists("oaka-rpeer"));
    }
}
