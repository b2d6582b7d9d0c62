using System.Runtime.InteropServices;

namespace Oakestra.Actors.Nodes.Tests.Runtime;

/// <summary>
/// Plays the data plane in tests: attaches to the persistent TUN inside the node namespace (a TUN is bound to
/// the netns of the thread that opens it, so a throw-away thread enters the namespace first) and reads/writes
/// raw IP packets.
/// </summary>
internal sealed class TunAttachment : IDisposable
{
    private const int O_RDWR = 2;
    private const int O_CLOEXEC = 0x80000;
    private const ulong TUNSETIFF = 0x400454ca;
    private const short IFF_TUN = 0x0001;
    private const short IFF_NO_PI = 0x1000;
    private const int CLONE_NEWNET = 0x40000000;
    private const short POLLIN = 1;

    private readonly int _fd;

    private TunAttachment(int fd) => _fd = fd;

    public static TunAttachment Open(string nodeNetns, string tunName)
    {
        int fd = -1;
        string? error = null;
        var thread = new Thread(() =>
        {
            var ns = open($"/run/netns/{nodeNetns}", O_CLOEXEC);
            if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) { error = $"entering {nodeNetns}: errno {Marshal.GetLastPInvokeError()}"; return; }
            close(ns);
            fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
            if (fd < 0) { error = $"open /dev/net/tun: errno {Marshal.GetLastPInvokeError()}"; return; }
            var ifr = new byte[40];
            System.Text.Encoding.ASCII.GetBytes(tunName).CopyTo(ifr, 0);
            BitConverter.GetBytes((short)(IFF_TUN | IFF_NO_PI)).CopyTo(ifr, 16);
            if (ioctl(fd, TUNSETIFF, ifr) != 0) { error = $"TUNSETIFF {tunName}: errno {Marshal.GetLastPInvokeError()}"; close(fd); fd = -1; }
        });
        thread.Start();
        thread.Join();
        if (error is not null) throw new IOException(error);
        return new TunAttachment(fd);
    }

    public void Write(byte[] packet)
    {
        if (write(_fd, packet, packet.Length) != packet.Length) throw new IOException($"TUN write: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Next packet that satisfies <paramref name="match"/>, or null after the timeout.</summary>
    public byte[]? ReadUntil(Func<byte[], bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var buffer = new byte[65536];
        while (DateTime.UtcNow < deadline)
        {
            var fds = new PollFd[] { new() { Fd = _fd, Events = POLLIN } };
            var left = (int)Math.Max(1, (deadline - DateTime.UtcNow).TotalMilliseconds);
            if (poll(fds, 1, left) <= 0) continue;
            var n = (int)read(_fd, buffer, buffer.Length);
            if (n <= 0) continue;
            var packet = buffer[..n];
            if (match(packet)) return packet;
        }
        return null;
    }

    public void Dispose() => close(_fd);

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int open(string path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int setns(int fd, int nstype);

    [DllImport("libc", SetLastError = true)]
    private static extern int ioctl(int fd, ulong request, byte[] ifr);

    [DllImport("libc", SetLastError = true)]
    private static extern nint read(int fd, byte[] buffer, nint count);

    [DllImport("libc", SetLastError = true)]
    private static extern nint write(int fd, byte[] buffer, nint count);

    [DllImport("libc", SetLastError = true)]
    private static extern int poll([In, Out] PollFd[] fds, ulong count, int timeout);

    [DllImport("libc")]
    private static extern int close(int fd);
}
