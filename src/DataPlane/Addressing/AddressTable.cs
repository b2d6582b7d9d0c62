using System.Runtime.CompilerServices;

namespace Oakestra.Actors.DataPlane.Addressing;

/// <summary>
/// Immutable open-addressing map from an address key to an int, filled once when a snapshot is compiled
/// and then only read (by the forwarding thread, without allocation or locks). Linear probing at a load
/// factor of at most one half keeps a miss to a couple of probes.
/// </summary>
internal sealed class AddressTable
{
    private readonly UInt128[] _keys;
    private readonly int[] _values; // -1 = empty slot
    private readonly int _mask;

    public int Count { get; private set; }

    public AddressTable(int expected)
    {
        int size = 8;
        while (size < expected * 2) size <<= 1;
        _keys = new UInt128[size];
        _values = new int[size];
        Array.Fill(_values, -1);
        _mask = size - 1;
    }

    /// <summary>Adds a key; returns false (and changes nothing) when the key is already present.</summary>
    public bool TryAdd(UInt128 key, int value)
    {
        if (value < 0) throw new ArgumentOutOfRangeException(nameof(value));
        if ((Count + 1) * 2 > _keys.Length) throw new InvalidOperationException("address table sized too small");
        int i = (int)IpKey.Hash(key) & _mask;
        while (_values[i] >= 0)
        {
            if (_keys[i] == key) return false;
            i = (i + 1) & _mask;
        }
        _keys[i] = key;
        _values[i] = value;
        Count++;
        return true;
    }

    /// <summary>The value for <paramref name="key"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(UInt128 key)
    {
        var keys = _keys;
        var values = _values;
        int i = (int)IpKey.Hash(key) & _mask;
        while (true)
        {
            int v = values[i];
            if (v < 0 || keys[i] == key) return v;
            i = (i + 1) & _mask;
        }
    }
}
