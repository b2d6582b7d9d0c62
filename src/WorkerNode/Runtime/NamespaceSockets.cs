using System.Net.Sockets;

namespace Oakestra.Actors.WorkerNode.Runtime;

/// <summary>
/// Creates sockets in another network namespace without moving the process: a socket belongs to the netns
/// of the thread that created it, so a throw-away thread enters the namespace, creates the socket and ends.
/// Used for the readiness probe "from the node" when this process is not itself in the node namespace.
/// </summary>
internal static class NamespaceSockets
{
    public static Socket CreateTcp(string? netnsPath, AddressFamily family)
    {
        if (netnsPath is null) return new Socket(family, SocketType.Stream, ProtocolType.Tcp);
        Socket? socket = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                var target = LinuxNative.OpenReadOnly(netnsPath);
                try
                {
                    if (LinuxNative.SetNs(target, LinuxNative.CLONE_NEWNET) != 0)
                        throw new IOException($"setns({netnsPath}) failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
                    // The thread ends right after, so it never has to switch back.
                    socket = new Socket(family, SocketType.Stream, ProtocolType.Tcp);
                }
                finally { LinuxNative.Close(target); }
            }
            catch (Exception e) { error = e; }
        }) { IsBackground = true, Name = "netns-socket" };
        thread.Start();
        thread.Join();
        if (error is not null) throw error;
        return socket!;
    }
}
