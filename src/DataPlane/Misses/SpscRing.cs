namespace Oakestra.Actors.DataPlane.Misses;

/// <summary>
/// Bounded single-producer single-consumer ring over a preallocated array: the forwarding thread writes,
/// the packet-path actor reads; neither locks nor allocates. Indices only grow; the release/acquire pairs
/// make an item visible before the index that publishes it.
/// </summary>
internal sealed class SpscRing<T> where T : struct
{
    private readonly T[] _items;
    private readonly int _mask;
    private long _head; // next to read (consumer)
    private long _tail; // next to write (producer)

    public SpscRing(int capacity)
    {
        int size = 2;
        while (size < capacity) size <<= 1;
        _items = new T[size];
        _mask = size - 1;
    }

    public bool TryWrite(in T item)
    {
        long tail = _tail;
        if (tail - Volatile.Read(ref _head) >= _items.Length) return false;
        _items[(int)tail & _mask] = item;
        Volatile.Write(ref _tail, tail + 1);
        return true;
    }

    public bool TryRead(out T item)
    {
        long head = _head;
        if (head >= Volatile.Read(ref _tail)) { item = default; return false; }
        item = _items[(int)head & _mask];
        Volatile.Write(ref _head, head + 1);
        return true;
    }
}
