using Oakestra.Actors.DataPlane.Native;

namespace Oakestra.Actors.DataPlane.Tests.Io;

/// <summary>
/// An instance namespace behind a node (veth, node forwarding on), as a worker's containers are. The node's side
/// of the veth has TX checksum offload off, so the node's kernel completes every partial checksum and cuts every
/// GSO packet in software from the fields the loop wrote to its TUN, and the instance's TCP verifies each
/// segment: a wrong pseudo-header sum or GSO field shows up as Tcp InCsumErrors (or a stalled stream) here.
/// </summary>
internal sealed class InstanceBehindNode : IDisposable
{
    private readonly Netns _ns;

    private InstanceBehindNode(Netns ns, string v4, string v6) { _ns = ns; V4 = v4; V6 = v6; }

    public string Name => _ns.Name;
    public string V4 { get; }
    public string V6 { get; }

    /// <summary><paramref name="v4Net"/> like "10.80.1" (a /24), <paramref name="v6Net"/> like "fd00:80:1" (a /64); the instance is .2 / ::2.</summary>
    public static InstanceBehindNode Create(Netns node, string tag, string v4Net, string v6Net, int mtu)
    {
        var ns = Netns.Create(tag);
        try
        {
            node.Ip($"link add oio{tag}n mtu {mtu} type veth peer name oio{tag}i mtu {mtu} netns {ns.Name}");
            node.Ip($"addr add {v4Net}.1/24 dev oio{tag}n");
            node.Ip($"addr add {v6Net}::1/64 dev oio{tag}n nodad");
            ns.Ip($"addr add {v4Net}.2/24 dev oio{tag}i");
            ns.Ip($"addr add {v6Net}::2/64 dev oio{tag}i nodad");
            node.Ip($"link set oio{tag}n up");
            ns.Ip($"link set oio{tag}i up");
            ns.Ip($"route add default via {v4Net}.1");
            ns.Ip($"-6 route add default via {v6Net}::1");
            node.Sysctl("net.ipv4.ip_forward", "1");
            node.Sysctl("net.ipv6.conf.all.forwarding", "1");
            NetworkNamespace.Run(node.Name, () => Ethtool.SetTxChecksum($"oio{tag}n", on: false));
            return new InstanceBehindNode(ns, $"{v4Net}.2", $"{v6Net}::2");
        }
        catch
        {
            ns.Dispose();
            throw;
        }
    }

    /// <summary>Tcp InCsumErrors of this namespace (/proc/net/snmp; the TCP MIB counts IPv4 and IPv6 alike).</summary>
    public long TcpChecksumErrors()
    {
        var lines = Shell.Run("ip", $"netns exec {Name} cat /proc/net/snmp").Split('\n').Where(l => l.StartsWith("Tcp:")).ToArray();
        var names = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var values = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return long.Parse(values[Array.IndexOf(names, "InCsumErrors")]);
    }

    public void Dispose() => _ns.Dispose();
}

/// <summary>The one ethtool call the tests need (no ethtool binary on the machines): ETHTOOL_STXCSUM through SIOCETHTOOL.</summary>
internal static unsafe class Ethtool
{
    private const nuint SIOCETHTOOL = 0x8946;
    private const uint GetTxChecksum = 0x16, SetTxChecksum_ = 0x17;

    public static void SetTxChecksum(string device, bool on)
    {
        Call(device, SetTxChecksum_, on ? 1u : 0u);
        if (Call(device, GetTxChecksum, 0) != (on ? 1u : 0u)) throw new InvalidOperationException($"{device}: tx checksumming still {(on ? "off" : "on")}");
    }

    private static uint Call(string device, uint command, uint data)
    {
        var fd = Libc.Socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0) throw new IOException($"socket: errno {Libc.Errno}");
        try
        {
            var value = stackalloc uint[2];
            value[0] = command;
            value[1] = data;
            var ifr = stackalloc byte[40];
            new Span<byte>(ifr, 40).Clear();
            System.Text.Encoding.ASCII.GetBytes(device, new Span<byte>(ifr, 15));
            *(uint**)(ifr + 16) = value;
            if (Libc.IoctlPtr(fd, SIOCETHTOOL, ifr) != 0) throw new IOException($"SIOCETHTOOL {command:x} on {device}: errno {Libc.Errno}");
            return value[1];
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}
