using System.Runtime.InteropServices;

namespace Oakestra.Actors.DataPlane.Tests.Support;

/// <summary>
/// A buffer whose last byte sits right before an inaccessible page (mmap + mprotect PROT_NONE): reading even
/// one byte past the end of the data faults. Falls back to unguarded native memory off Linux.
/// </summary>
public sealed unsafe class GuardedBuffer : IDisposable
{
    private const int ProtNone = 0, ProtRead = 1, ProtWrite = 2, MapPrivate = 2, MapAnonymous = 0x20;
    private readonly byte* _region;
    private readonly nuint _regionSize;
    private readonly int _dataSize;

    public bool Guarded { get; }

    public GuardedBuffer(int maxLength)
    {
        int page = Environment.SystemPageSize;
        _dataSize = (maxLength + page - 1) / page * page;
        _regionSize = (nuint)(_dataSize + page);
        if (OperatingSystem.IsLinux())
        {
            _region = (byte*)mmap(IntPtr.Zero, _regionSize, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, IntPtr.Zero);
            if (_region == (byte*)-1) throw new InvalidOperationException("mmap failed");
            if (mprotect((IntPtr)(_region + _dataSize), (nuint)page, ProtNone) != 0) throw new InvalidOperationException("mprotect failed");
            Guarded = true;
        }
        else _region = (byte*)NativeMemory.Alloc(_regionSize);
    }

    /// <summary>Copies <paramref name="data"/> so that it ends exactly at the guard page; returns its start.</summary>
    public byte* Place(ReadOnlySpan<byte> data)
    {
        byte* start = _region + _dataSize - data.Length;
        data.CopyTo(new Span<byte>(start, data.Length));
        return start;
    }

    public void Dispose()
    {
        if (Guarded) munmap((IntPtr)_region, _regionSize);
        else NativeMemory.Free(_region);
    }

    [DllImport("libc", SetLastError = true)] private static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, IntPtr offset);
    [DllImport("libc", SetLastError = true)] private static extern int mprotect(IntPtr addr, nuint len, int prot);
    [DllImport("libc", SetLastError = true)] private static extern int munmap(IntPtr addr, nuint length);
}
