using System.Net;
using System.Net.Sockets;

namespace Oakestra.Actors.DataPlane.Tests.Support;

public static class UdpSockets
{
    /// <summary>A UDP socket bound to <paramref name="address"/>:<paramref name="port"/> (0: any), receives time out after 10 s so a lost datagram fails the test instead of hanging it.</summary>
    public static Socket Bound(string address, int port = 0)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 10_000 };
        s.Bind(new IPEndPoint(IPAddress.Parse(address), port));
        return s;
    }
}
