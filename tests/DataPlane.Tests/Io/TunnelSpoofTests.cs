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
/// Spoofing the tunnel with real sockets. Three namespaces (prefix oaka-, links 10.99.50.x): a node running the
/// real translator and loop, with instance A's Namespace IP 10.99.50.100 on its TUN (where the instance's socket
/// binds) and the service ranges routed into the TUN; its peer 0 at 10.99.50.2 (a plain socket speaking the
/// tunnel format); and a spoofer on a link of its own that is no peer but holds 10.99.50.2 too, so its datagrams
/// carry peer 0's source address and port. Instance IPs (10.30.x) only ever appear inside packets.
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed class TunnelSpoofTests
{
    private const string NodeLink = "10.99.50.1", PeerAddress = "10.99.50.2", NodeSpoofLink = "10.99.50.5", SpoofLink = "10.99.50.6",
        Stranger = "10.99.50.9", ANamespace = "10.99.50.100";

    [SkippableFact]
    public unsafe void A_spoofed_datagram_with_a_peers_source_address_is_dropped_and_counted_and_the_open_flow_still_reaches_its_instance()
    {
        Requires.RootWithNetns();
        var owned = new List<IDisposable>();
        T Own<T>(T item) where T : IDisposable { owned.Add(item); return item; }
        try
        {
            var node = Own(Netns.Named("oaka-node"));
            var peer = Own(Netns.Named("oaka-peer"));
            var spoof = Own(Netns.Named("oaka-spoof"));
            node.Ip($"link add oaka-np type veth peer name oaka-pn netns {peer.Name}");
            node.Ip($"link add oaka-ns type veth peer name oaka-sn netns {spoof.Name}");
            node.Ip($"addr add {NodeLink}/30 dev oaka-np");
            peer.Ip($"addr add {PeerAddress}/30 dev oaka-pn");
            node.Ip($"addr add {NodeSpoofLink}/30 dev oaka-ns");
            spoof.Ip($"addr add {SpoofLink}/30 dev oaka-sn");
            spoof.Ip($"addr add {PeerAddress}/32 dev oaka-sn");
            spoof.Ip($"addr add {Stranger}/32 dev oaka-sn");
            foreach (var (ns, dev) in new[] { (node, "oaka-np"), (node, "oaka-ns"), (peer, "oaka-pn"), (spoof, "oaka-sn") }) ns.Ip($"link set {dev} up");
            // The spoofer's datagrams come in on a link the route to 10.99.50.2 does not use: no reverse-path filter
            // stands in for what the tunnel must check itself.
            node.Sysctl("net.ipv4.conf.all.rp_filter", "0");
            node.Sysctl("net.ipv4.conf.oaka-ns.rp_filter", "0");

            var peers = new[] { new IPEndPoint(IPAddress.Parse(PeerAddress), UdpTunnelOptions.DefaultPort), new IPEndPoint(IPAddress.Parse("10.99.50.3"), UdpTunnelOptions.DefaultPort) };
            var translator = new PacketTranslator(new SnapshotHolder(RouteSnapshot.Compile(ClientBehindPeers(peers, ANamespace))), SmallOptions());
            // Seal off: this test is about the source check alone, with datagrams built by hand (the seal has its own test).
            var tunnel = Own(NetworkNamespace.Run(node.Name, () => UdpTunnel.Open(new UdpTunnelOptions { Security = TunnelSecurity.None })));
            tunnel.PublishPeers(peers);
            var tun = Own(NetworkNamespace.Run(node.Name, () => TunDevice.Open(new TunOptions("oaka-t") { BringUp = true, Mtu = 1500 - tunnel.Overhead })));
            node.Ip($"addr add {ANamespace}/32 dev oaka-t");
            node.Ip("route add 10.30.0.0/16 dev oaka-t");
            var loop = Own(new ForwardingLoop<PacketTranslator>(translator, tun, tunnel));
            loop.Start();

            var instance = Own(NetworkNamespace.Run(node.Name, () => UdpSockets.Bound(ANamespace, 40000)));
            var peerSocket = Own(NetworkNamespace.Run(peer.Name, () => UdpSockets.Bound(PeerAddress, UdpTunnelOptions.DefaultPort)));
            var asPeer = Own(NetworkNamespace.Run(spoof.Name, () => UdpSockets.Bound(PeerAddress, UdpTunnelOptions.DefaultPort)));
            var notPeer = Own(NetworkNamespace.Run(spoof.Name, () => UdpSockets.Bound(Stranger, UdpTunnelOptions.DefaultPort)));
            var service = new IPEndPoint(IPAddress.Parse(RemoteRr4), 80);
            var nodeTunnel = new IPEndPoint(IPAddress.Parse(NodeLink), UdpTunnelOptions.DefaultPort);
            var nodeTunnelFromSpoofer = new IPEndPoint(IPAddress.Parse(NodeSpoofLink), UdpTunnelOptions.DefaultPort);

            // A opens a flow through the Service IP: it reaches peer 0 addressed to R0's Instance IP.
            instance.SendTo("request"u8.ToArray(), service);
            var sent = ReceiveData(peerSocket);
            Assert.Equal((IPAddress.Parse(AInst4), IPAddress.Parse(R0Inst4)), (Wire.Source(sent), Wire.Destination(sent)));

            // From no peer's address; then as peer 0 with the Service IP A dialled (to take over the flow) and with
            // R1's Instance IP, which the routes place on peer 1.
            notPeer.SendTo(Datagram(Wire.Build(Wire.Udp, R0Inst4, AInst4, 80, 40000, "spoof 1"u8.ToArray())), nodeTunnelFromSpoofer);
            asPeer.SendTo(Datagram(Wire.Build(Wire.Udp, RemoteRr4, AInst4, 80, 40000, "spoof 2"u8.ToArray())), nodeTunnelFromSpoofer);
            asPeer.SendTo(Datagram(Wire.Build(Wire.Udp, R1Inst4, AInst4, 80, 40000, "spoof 3"u8.ToArray())), nodeTunnelFromSpoofer);
            Assert.True(Wait.Until(() => loop.Counters.TunnelUnknownPeer == 1 && translator.Counters[DataPlaneCounter.DropSourceNotOnPeer] == 2),
                $"{loop.Counters} / {Describe(translator.Counters)}");

            // Peer 0's real answer is the first thing A receives, from the Service IP it dialled.
            peerSocket.SendTo(Datagram(Wire.Build(Wire.Udp, R0Inst4, AInst4, 80, 40000, "reply"u8.ToArray())), nodeTunnel);
            var buffer = new byte[2048];
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            int n = instance.ReceiveFrom(buffer, ref from);
            Assert.Equal("reply", Encoding.ASCII.GetString(buffer, 0, n));
            Assert.Equal(service, from);

            // And the flow still goes to peer 0 and R0.
            instance.SendTo("again"u8.ToArray(), service);
            var again = ReceiveData(peerSocket);
            Assert.Equal(IPAddress.Parse(R0Inst4), Wire.Destination(again));
            Assert.Equal(0, translator.Counters[DataPlaneCounter.FlowLearned] + translator.Counters[DataPlaneCounter.FlowConflict]);
        }
        finally
        {
            // Reverse creation order: sockets and the loop before its TUN and tunnel, namespaces last.
            for (var i = owned.Count - 1; i >= 0; i--)
            {
                try { owned[i].Dispose(); } catch (Exception) { /* keep cleaning */ }
            }
        }
    }

    private static unsafe byte[] Datagram(byte[] inner)
    {
        var datagram = new byte[TunnelHeader.Length + inner.Length];
        fixed (byte* p = datagram) TunnelHeader.WritePlainData(p, TunnelFlags.None);
        inner.CopyTo(datagram, TunnelHeader.Length);
        return datagram;
    }

    /// <summary>The inner packet of the next data datagram (RTT probes are skipped).</summary>
    private static unsafe byte[] ReceiveData(Socket socket)
    {
        var buffer = new byte[65536];
        while (true)
        {
            int n = socket.Receive(buffer);
            fixed (byte* p = buffer)
                if (TunnelHeader.TryReadType(p, n, out var type) && type == TunnelMessageType.Data) return buffer[TunnelHeader.Length..n];
        }
    }

    private static string Describe(DataPlaneCounters counters) => string.Join(", ", counters.Read().Select(kv => $"{kv.Key}={kv.Value}"));
}
