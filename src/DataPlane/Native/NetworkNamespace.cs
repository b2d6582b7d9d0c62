using System.Runtime.ExceptionServices;

namespace Oakestra.Actors.DataPlane.Native;

/// <summary>
/// Runs code inside a named network namespace (<c>/var/run/netns/NAME</c>, as created by
/// <c>ip netns add</c>). A TUN device, a socket or an ioctl socket belongs to the namespace of the thread
/// that created it, and stays there; so the work runs on a throw-away thread that enters the namespace
/// with setns and then dies, leaving every other thread of the process where it was.
/// </summary>
public static class NetworkNamespace
{
    public static T Run<T>(string name, Func<T> work)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('/')) throw new ArgumentException("a namespace name, not a path", nameof(name));
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                var fd = Libc.Open("/var/run/netns/" + name, Libc.O_CLOEXEC);
                if (fd < 0) throw new IOException($"cannot open network namespace {name}: errno {Libc.Errno}");
                try
                {
                    if (Libc.SetNs(fd, Libc.CLONE_NEWNET) != 0) throw new IOException($"setns({name}) failed: errno {Libc.Errno}");
                }
                finally { Libc.Close(fd); }
                result = work();
            }
            catch (Exception e) { failure = ExceptionDispatchInfo.Capture(e); }
        }) { Name = "oak-netns", IsBackground = true };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    public static void Run(string name, Action work) => Run(name, () => { work(); return 0; });
}
