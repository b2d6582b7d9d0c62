using System.Runtime.InteropServices;

namespace Oakestra.Actors.WorkerNode.Runtime;

internal static partial class LinuxNative
{
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int CLONE_NEWNET = 0x40000000;
    private const int O_RDONLY = 0;
    private const int O_CLOEXEC = 0x80000;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillNative(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    public static partial int SetNs(int fd, int nsType);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenNative(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>Sends a signal; a process that is already gone is not an error.</summary>
    public static void Signal(int pid, int signal)
    {
        if (pid <= 1) throw new ArgumentOutOfRangeException(nameof(pid), "refusing to signal pid <= 1");
        if (KillNative(pid, signal) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            const int ESRCH = 3;
            if (errno != ESRCH) throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {errno}");
        }
    }

    public static int OpenReadOnly(string path)
    {
        var fd = OpenNative(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) throw new IOException($"open({path}) failed: errno {Marshal.GetLastPInvokeError()}");
        return fd;
    }
}
