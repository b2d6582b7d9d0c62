using System.Runtime.InteropServices;
using System.Text;
using Oakestra.Actors.DataPlane.Native;

namespace Oakestra.Actors.DataPlane.Tun;

/// <summary>
/// A Linux TUN device opened on /dev/net/tun (non-blocking). The device lives in the network namespace of
/// the calling thread (use <see cref="NetworkNamespace.Run{T}"/> to place it elsewhere). Addresses and
/// routes are the caller's business (netlink / <c>ip</c>); MTU and IFF_UP can be set here through
/// <see cref="TunOptions"/>. The device disappears when it is disposed, unless it was made persistent
/// beforehand (e.g. <c>ip tuntap add</c>), in which case this instance just detaches.
/// </summary>
public sealed unsafe class TunDevice : IDisposable
{
    // include/uapi/linux/if_tun.h
    private const nuint TUNSETIFF = 0x400454ca;
    private const nuint TUNSETOFFLOAD = 0x400454d0;
    private const nuint TUNSETVNETHDRSZ = 0x400454d8;
    private const short IFF_TUN = 0x0001;
    private const short IFF_NO_PI = 0x1000;
    private const short IFF_VNET_HDR = 0x4000;
    private const uint TUN_F_CSUM = 0x01;
    private const uint TUN_F_TSO4 = 0x02;
    private const uint TUN_F_TSO6 = 0x04;
    // include/uapi/linux/sockios.h
    private const nuint SIOCGIFFLAGS = 0x8913;
    private const nuint SIOCSIFFLAGS = 0x8914;
    private const nuint SIOCSIFMTU = 0x8922;
    private const short IFF_UP = 0x1;
    private const short IFF_RUNNING = 0x40;
    private const int IfNameSize = 16;

    private int _fd;

    private TunDevice(int fd, string name, int vnetHeaderLength)
    {
        _fd = fd;
        Name = name;
        VnetHeaderLength = vnetHeaderLength;
    }

    /// <summary>The interface name the kernel gave (equal to the requested one).</summary>
    public string Name { get; }

    /// <summary>True when every read/write carries a virtio_net_hdr (offload on).</summary>
    public bool Offload => VnetHeaderLength != 0;

    /// <summary>Bytes of virtio_net_hdr in front of each packet: 0 without offload, else 10 or 12.</summary>
    public int VnetHeaderLength { get; }

    /// <summary>False once disposed (the device is gone with its descriptor).</summary>
    public bool IsOpen => Volatile.Read(ref _fd) >= 0;

    internal int Fd => _fd >= 0 ? _fd : throw new ObjectDisposedException(nameof(TunDevice));

    public static TunDevice Open(TunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var nameBytes = Encoding.ASCII.GetBytes(options.Name);
        if (nameBytes.Length is 0 or >= IfNameSize) throw new ArgumentException("TUN name must be 1..15 ASCII bytes", nameof(options));
        if (options.Offload && options.VnetHeaderLength is not (VirtioNetHeader.Length or VirtioNetHeader.LengthWithNumBuffers))
            throw new ArgumentException("VnetHeaderLength must be 10 or 12", nameof(options));

        var fd = Libc.Open("/dev/net/tun", Libc.O_RDWR | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        if (fd < 0) throw new IOException($"open /dev/net/tun failed: errno {Libc.Errno}");
        try
        {
            var ifr = stackalloc byte[40];
            new Span<byte>(ifr, 40).Clear();
            nameBytes.CopyTo(new Span<byte>(ifr, IfNameSize));
            var flags = (short)(IFF_TUN | IFF_NO_PI | (options.Offload ? IFF_VNET_HDR : 0));
            *(short*)(ifr + IfNameSize) = flags;
            Check(Libc.IoctlPtr(fd, TUNSETIFF, ifr), "TUNSETIFF");
            var name = Encoding.ASCII.GetString(ifr, new ReadOnlySpan<byte>(ifr, IfNameSize).IndexOf((byte)0));

            var vnet = 0;
            if (options.Offload)
            {
                vnet = options.VnetHeaderLength;
                Check(Libc.IoctlPtr(fd, TUNSETVNETHDRSZ, &vnet), "TUNSETVNETHDRSZ");
                Check(Libc.IoctlValue(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6), "TUNSETOFFLOAD");
            }
            var device = new TunDevice(fd, name, vnet);
            if (options.Mtu is { } mtu) device.SetMtu(mtu);
            if (options.BringUp) device.BringUp();
            return device;
        }
        catch
        {
            Libc.Close(fd);
            throw;
        }
    }

    /// <summary>Reads one packet (with its virtio header when offload is on). Returns the byte count, or -errno (-EAGAIN when empty).</summary>
    public int Read(byte* buffer, int capacity)
    {
        var n = Libc.Read(_fd, buffer, (nuint)capacity);
        return n >= 0 ? (int)n : -Libc.Errno;
    }

    /// <summary>Writes one packet (prefixed by its virtio header when offload is on). Returns the byte count or -errno.</summary>
    public int Write(byte* buffer, int length)
    {
        var n = Libc.Write(_fd, buffer, (nuint)length);
        return n >= 0 ? (int)n : -Libc.Errno;
    }

    /// <summary>SIOCSIFMTU through a socket of the calling thread's namespace (which must be the device's).</summary>
    public void SetMtu(int mtu) => WithIfReq((sock, ifr) =>
    {
        *(int*)(ifr + IfNameSize) = mtu;
        Check(Libc.IoctlPtr(sock, SIOCSIFMTU, ifr), "SIOCSIFMTU");
    });

    /// <summary>Sets IFF_UP through a socket of the calling thread's namespace (which must be the device's).</summary>
    public void BringUp() => WithIfReq((sock, ifr) =>
    {
        Check(Libc.IoctlPtr(sock, SIOCGIFFLAGS, ifr), "SIOCGIFFLAGS");
        *(short*)(ifr + IfNameSize) |= IFF_UP;
        Check(Libc.IoctlPtr(sock, SIOCSIFFLAGS, ifr), "SIOCSIFFLAGS");
    });

    /// <summary>
    /// IFF_RUNNING, read through a socket of the calling thread's namespace (which must be the device's).
    /// Set once the kernel's link watcher has processed the carrier coming up with an attached reader; packets
    /// routed to the device before that may meet the deactivated (dropping) qdisc.
    /// </summary>
    public bool IsRunning
    {
        get
        {
            var running = false;
            WithIfReq((sock, ifr) =>
            {
                Check(Libc.IoctlPtr(sock, SIOCGIFFLAGS, ifr), "SIOCGIFFLAGS");
                running = (*(short*)(ifr + IfNameSize) & IFF_RUNNING) != 0;
            });
            return running;
        }
    }

    /// <summary>Waits (calling thread in the device's namespace) until <see cref="IsRunning"/>; false on timeout.</summary>
    public bool WaitUntilRunning(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!IsRunning)
        {
            if (DateTime.UtcNow > deadline) return false;
            Thread.Sleep(2);
        }
        return true;
    }

    private delegate void IfReqAction(int socket, byte* ifr);

    private void WithIfReq(IfReqAction action)
    {
        var sock = Libc.Socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        if (sock < 0) throw new IOException($"socket failed: errno {Libc.Errno}");
        try
        {
            var ifr = stackalloc byte[40];
            new Span<byte>(ifr, 40).Clear();
            Encoding.ASCII.GetBytes(Name).CopyTo(new Span<byte>(ifr, IfNameSize));
            action(sock, ifr);
        }
        finally { Libc.Close(sock); }
    }

    private static void Check(int result, string what)
    {
        if (result < 0) throw new IOException($"{what} failed: errno {Libc.Errno} ({Marshal.GetPInvokeErrorMessage(Libc.Errno)})");
    }

    public void Dispose()
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0) Libc.Close(fd);
    }
}
