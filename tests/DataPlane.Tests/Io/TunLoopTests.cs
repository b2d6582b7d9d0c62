using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Oakestra.Actors.DataPlane.Loop;
using Oakestra.Actors.DataPlane.Native;
using Oakestra.Actors.DataPlane.Tun;
using Oakestra.Actors.Tests.Shared;

namespace Oakestra.Actors.DataPlane.Tests.Io;

/// <summary>A real TUN in a namespace made by the test: packets from sockets, through the loop and a test processor, back to sockets.</summary>
[Collection(NetnsCollection.Name)]
public sealed class TunLoopTests
{
    // In the namespace: the only local address is 10.77.0.1 (on the TUN); 10.77.1.0/24 is routed into the TUN.
    // Packet to 10.77.1.5 ("the service") becomes 10.77.1.9 → 10.77.0.1; the reply to 10.77.1.9 becomes 10.77.1.5 → 10.77.0.1.
    private static RewriteProcessor NatProcessor() => new(("10.77.1.5", "10.77.1.9", "10.77.0.1"), ("10.77.1.9", "10.77.1.5", "10.77.0.1"));

    private static TunDevice OpenTun(Netns ns, string name, bool offload, int? mtu = null)
    {
        var tun = NetworkNamespace.Run(ns.Name, () => TunDevice.Open(new TunOptions(name) { Offload = offload, BringUp = true, Mtu = mtu }));
        ns.Ip($"addr add 10.77.0.1/32 dev {name}");
        ns.Ip($"route add 10.77.1.0/24 dev {name}");
        return tun;
    }

    private static Socket UdpSocket(Netns ns, string address, int port) => NetworkNamespace.Run(ns.Name, () =>
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 10_000 };
        s.Bind(new IPEndPoint(IPAddress.Parse(address), port));
        return s;
    });

    [SkippableTheory]
    [InlineData(false, TunIo.Syscalls)]
    [InlineData(true, TunIo.Syscalls)]
    [InlineData(false, TunIo.IoUring)]
    [InlineData(true, TunIo.IoUring)]
    public void Udp_datagram_goes_through_the_tun_rewritten_and_reaches_the_receiver_with_the_rewritten_source(bool offload, TunIo io)
    {
        Requires.RootWithNetns();
        var tag = $"{(offload ? 1 : 0)}{(io == TunIo.IoUring ? "r" : "s")}";
        using var ns = Netns.Create("udp" + tag);
        using var tun = OpenTun(ns, "oiou" + tag, offload);
        Assert.Equal(offload ? VirtioNetHeader.Length : 0, tun.VnetHeaderLength);
        var processor = NatProcessor();
        using var loop = new ForwardingLoop<RewriteProcessor>(processor, tun, null, new ForwardingLoopOptions { TunIo = io });
        loop.Start();
        using var receiver = UdpSocket(ns, "10.77.0.1", 9000);
        using var sender = UdpSocket(ns, "10.77.0.1", 0);

        var payload = RandomNumberGenerator.GetBytes(1000);
        sender.SendTo(payload, new IPEndPoint(IPAddress.Parse("10.77.1.5"), 9000));
        var buffer = new byte[2000];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        var n = receiver.ReceiveFrom(buffer, ref from);

        Assert.Equal(payload, buffer[..n]);
        Assert.Equal(IPAddress.Parse("10.77.1.9"), ((IPEndPoint)from).Address);
        Assert.Equal(((IPEndPoint)sender.LocalEndPoint!).Port, ((IPEndPoint)from).Port);
        // The kernel delivers inside the write syscall, so the counter may trail the receiver by a moment.
        Assert.True(Wait.Until(() => loop.Counters.TunPacketsOut >= 1), loop.Counters.ToString());
        var c = loop.Counters;
        Assert.Equal(0, c.IoDrops);
    }

    [SkippableTheory]
    [InlineData(TunIo.Syscalls, false)]
    [InlineData(TunIo.IoUring, false)]
    [InlineData(TunIo.IoUring, true)]
    public void An_idle_loop_sleeps_in_the_kernel_and_wakes_for_the_next_packet(TunIo io, bool multishot)
    {
        Requires.RootWithNetns();
        var tag = $"{(int)io}{(multishot ? "m" : "")}";
        using var ns = Netns.Create("idle" + tag);
        using var tun = OpenTun(ns, "oioid" + tag, offload: false);
        using var loop = new ForwardingLoop<RewriteProcessor>(NatProcessor(), tun, null, new ForwardingLoopOptions { TunIo = io, MultishotRead = multishot });
        loop.Start();
        Assert.True(Wait.Until(() => loop.NativeThreadId != 0));
        Thread.Sleep(200);

        // Sleeping in poll/io_uring_enter is a voluntary context switch; a loop that spins on reads completing
        // -EAGAIN never makes one. Idle, the loop still wakes every PollInterval (2 ms) for the processor's Poll.
        var before = VoluntarySwitches(loop.NativeThreadId);
        Thread.Sleep(500);
        Assert.True(VoluntarySwitches(loop.NativeThreadId) - before >= 20, "the idle loop thread did not sleep");

        using var receiver = UdpSocket(ns, "10.77.0.1", 9001);
        using var sender = UdpSocket(ns, "10.77.0.1", 0);
        sender.SendTo(new byte[] { 1, 2, 3 }, new IPEndPoint(IPAddress.Parse("10.77.1.5"), 9001));
        var buffer = new byte[64];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        Assert.Equal(3, receiver.ReceiveFrom(buffer, ref from));
        Assert.Equal(IPAddress.Parse("10.77.1.9"), ((IPEndPoint)from).Address);
        Assert.Equal(multishot, loop.UsesMultishotRead);
    }

    private static long VoluntarySwitches(int tid) =>
        long.Parse(File.ReadLines($"/proc/self/task/{tid}/status").Single(l => l.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal)).Split(':')[1].Trim());

    [SkippableTheory]
    [InlineData(TunIo.Syscalls, false)]
    [InlineData(TunIo.IoUring, false)]
    [InlineData(TunIo.IoUring, true)]
    public void Tcp_stream_with_offload_reaches_the_processor_as_gso_segments_larger_than_the_mtu_and_arrives_intact(TunIo io, bool multishot)
    {
        Requires.RootWithNetns();
        var tag = $"{(int)io}{(multishot ? "m" : "")}";
        using var ns = Netns.Create("tso" + tag);
        using var tun = OpenTun(ns, "oiotso" + tag, offload: true, mtu: 1500);
        var processor = NatProcessor();
        using var loop = new ForwardingLoop<RewriteProcessor>(processor, tun, null, new ForwardingLoopOptions { TunIo = io, MultishotRead = multishot });
        loop.Start();

        var data = RandomNumberGenerator.GetBytes(8 << 20);
        var received = TcpTransfer(ns.Name, listen: new IPEndPoint(IPAddress.Parse("10.77.0.1"), 9100),
            connectFrom: ns.Name, bindClient: IPAddress.Parse("10.77.0.1"), connectTo: new IPEndPoint(IPAddress.Parse("10.77.1.5"), 9100), data,
            expectedPeer: IPAddress.Parse("10.77.1.9"));

        Assert.Equal(SHA256.HashData(data), SHA256.HashData(received));
        Assert.True(Volatile.Read(ref processor.GsoPackets) > 0, "no GSO packet reached the processor");
        Assert.Equal(VirtioNetHeader.GsoTcpV4, processor.LastGsoType);
        Assert.True(processor.MaxLength > 1500, $"largest packet {processor.MaxLength} B is not above the 1500 B MTU");
        Assert.Equal(0, loop.Counters.IoDrops);
    }

    /// <summary>Sends <paramref name="data"/> over TCP and returns what the listener read; the listener checks the peer address it sees.</summary>
    internal static byte[] TcpTransfer(string listenNs, IPEndPoint listen, string connectFrom, IPAddress bindClient, IPEndPoint connectTo, byte[] data, IPAddress expectedPeer)
    {
        using var listener = NetworkNamespace.Run(listenNs, () =>
        {
            var l = new Socket(listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            l.Bind(listen);
            l.Listen(1);
            return l;
        });
        using var client = NetworkNamespace.Run(connectFrom, () =>
        {
            var s = new Socket(bindClient.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { SendTimeout = 20_000, ReceiveTimeout = 20_000 };
            s.Bind(new IPEndPoint(bindClient, 0));
            return s;
        });
        var accept = listener.AcceptAsync();
        client.Connect(connectTo);
        Assert.True(accept.Wait(TimeSpan.FromSeconds(20)), "no connection accepted");
        using var server = accept.Result;
        server.ReceiveTimeout = 20_000;
        Assert.Equal(expectedPeer, ((IPEndPoint)server.RemoteEndPoint!).Address);
        var sending = Task.Run(() => { client.Send(data); client.Shutdown(SocketShutdown.Send); });
        var received = new MemoryStream();
        var buffer = new byte[1 << 16];
        int n;
        while ((n = server.Receive(buffer)) > 0) received.Write(buffer, 0, n);
        Assert.True(sending.Wait(TimeSpan.FromSeconds(20)));
        return received.ToArray();
    }

    [SkippableFact]
    public void Packets_queued_by_the_processor_are_released_through_poll_and_delivered()
    {
        Requires.RootWithNetns();
        using var ns = Netns.Create("queue");
        using var tun = OpenTun(ns, "oioq", offload: false);
        using var processor = new QueueingProcessor(NatProcessor());
        using var loop = new ForwardingLoop<QueueingProcessor>(processor, tun, null);
        loop.Start();
        using var receiver = UdpSocket(ns, "10.77.0.1", 9001);
        using var sender = UdpSocket(ns, "10.77.0.1", 0);

        for (var i = 0; i < 10; i++) sender.SendTo(new byte[] { (byte)i }, new IPEndPoint(IPAddress.Parse("10.77.1.5"), 9001));
        var buffer = new byte[16];
        var got = new HashSet<byte>();
        for (var i = 0; i < 10; i++) { receiver.Receive(buffer); got.Add(buffer[0]); }

        Assert.Equal(Enumerable.Range(0, 10).Select(i => (byte)i), got.Order());
        // The kernel may put its own packets (IPv6 router solicitations) on the TUN too: they are queued alike.
        Assert.True(Wait.Until(() => loop.Counters is { ProcessorQueued: >= 10 } c && c.ProcessorEmits == c.ProcessorQueued), loop.Counters.ToString());
    }

    [SkippableTheory]
    [InlineData(TunIo.Syscalls, false)]
    [InlineData(TunIo.IoUring, false)]
    [InlineData(TunIo.IoUring, true)]
    public void The_loop_thread_allocates_nothing_over_100000_packets(TunIo io, bool multishot)
    {
        Requires.RootWithNetns();
        var tag = $"{(int)io}{(multishot ? "m" : "")}";
        using var ns = Netns.Create("alloc" + tag);
        using var lab = ClosedLoop.Create(ns, "oioal" + tag, offload: false);
        var processor = new ReflectProcessor();
        using var loop = new ForwardingLoop<ReflectProcessor>(processor, lab.Tun, null, new ForwardingLoopOptions { TunIo = io, MultishotRead = multishot });
        loop.Start();
        lab.Inject(inFlight: 32, payload: 64);

        Assert.True(Wait.Until(() => Volatile.Read(ref processor.Packets) >= 20_000, TimeSpan.FromSeconds(120)), $"warm-up stalled: {loop.Counters}");
        var before = loop.LoopThreadAllocatedBytes;
        var batchesBefore = loop.Counters.Batches;
        var packetsBefore = Volatile.Read(ref processor.Packets);
        Assert.True(Wait.Until(() => Volatile.Read(ref processor.Packets) >= packetsBefore + 100_000, TimeSpan.FromSeconds(300)), $"stalled: {loop.Counters}");
        var after = loop.LoopThreadAllocatedBytes;

        Assert.True(loop.Counters.Batches > batchesBefore);
        Assert.Equal(io == TunIo.IoUring, loop.UsesIoUring);
        if (!multishot) Assert.False(loop.UsesMultishotRead);
        Assert.Equal(before, after);
    }

    [SkippableFact]
    public void Dispose_joins_the_threads_and_closes_the_tun_and_tunnel_descriptors()
    {
        Requires.RootWithNetns();
        string nsName;
        int tunFd, tunnelFd;
        string tunnelInode;
        using (var ns = Netns.Create("close"))
        {
            nsName = ns.Name;
            var tun = OpenTun(ns, "oiocl", offload: true);
            var tunnel = NetworkNamespace.Run(ns.Name, () => Tunnel.UdpTunnel.Open(new Tunnel.UdpTunnelOptions { Port = 0 }));
            tunFd = tun.Fd;
            tunnelFd = tunnel.Fd;
            tunnelInode = FdTarget(tunnelFd)!;
            var loop = new ForwardingLoop<RewriteProcessor>(NatProcessor(), tun, tunnel, new ForwardingLoopOptions { Threading = LoopThreading.Split, ThreadName = "oio-close", TunIo = TunIo.IoUring });
            loop.Start();
            Assert.True(Wait.Until(() => LoopThreads("oio-close").Count == 2), "loop threads not visible");
            Assert.Equal("/dev/net/tun", FdTarget(tunFd));
            Assert.True(Wait.Until(() => OpenRings() > 0), "the io_uring of the TUN thread is not open");

            loop.Dispose();
            tunnel.Dispose();
            tun.Dispose();

            Assert.Empty(LoopThreads("oio-close"));
            Assert.Equal(0, OpenRings());
        }
        Assert.NotEqual("/dev/net/tun", FdTarget(tunFd));
        Assert.NotEqual(tunnelInode, FdTarget(tunnelFd));
        Assert.False(Netns.Exists(nsName));
    }

    // Only this test class opens rings, and the netns collection runs it alone.
    private static int OpenRings() => Directory.GetFiles("/proc/self/fd").Count(fd => FdTargetOf(fd)?.Contains("io_uring") == true);

    private static string? FdTargetOf(string path)
    {
        try { return new FileInfo(path).LinkTarget; }
        catch (IOException) { return null; }
    }

    private static string? FdTarget(int fd)
    {
        try { return new FileInfo($"/proc/self/fd/{fd}").LinkTarget; }
        catch (IOException) { return null; }
    }

    private static List<string> LoopThreads(string prefix) =>
        Directory.GetDirectories("/proc/self/task")
            .Select(t => { try { return File.ReadAllText(Path.Combine(t, "comm")).Trim(); } catch (IOException) { return ""; } })
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
            .ToList();
}
