using System.Runtime.InteropServices;

namespace Oakestra.Actors.DataPlane.Native;

/// <summary>
/// One zeroed, cache-line aligned native allocation that the GC never moves or scans: packet slots,
/// syscall descriptor arrays. Freed exactly once on Dispose.
/// </summary>
internal sealed unsafe class NativeBuffer : IDisposable
{
    private byte* _pointer;

    public NativeBuffer(nuint size, nuint alignment = 64)
    {
        Size = size;
        _pointer = (byte*)NativeMemory.AlignedAlloc(size, alignment);
        NativeMemory.Clear(_pointer, size);
    }

    public byte* Pointer => _pointer != null ? _pointer : throw new ObjectDisposedException(nameof(NativeBuffer));

    public nuint Size { get; }

    public void Dispose()
    {
        if (_pointer == null) return;
        NativeMemory.AlignedFree(_pointer);
        _pointer = null;
        GC.SuppressFinalize(this);
    }

    ~NativeBuffer()
    {
        if (_pointer != null) NativeMemory.AlignedFree(_pointer);
    }
}
