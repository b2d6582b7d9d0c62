using Oakestra.Actors.WorkerNode.NodeNetwork;

namespace Oakestra.Actors.WorkerNode.Runtime;

/// <summary>
/// Hands out Namespace IP slots (.2–.62 / ::2–::3e for a /26 + /120) and takes them back on stop.
/// Reuse is least-recently-released first, so a just-freed address (which neighbours may still have cached
/// with the old veth's MAC) is the last to be handed out again.
/// </summary>
public sealed class NamespaceAddressAllocator
{
    private readonly NodeSubnet _subnet;
    private readonly LinkedList<int> _free = new();
    private readonly HashSet<int> _leased = [];
    private readonly Lock _gate = new();

    public NamespaceAddressAllocator(NodeSubnet subnet)
    {
        _subnet = subnet;
        for (var host = 2; host <= subnet.LastHost; host++) _free.AddLast(host);
    }

    public int Available { get { lock (_gate) return _free.Count; } }

    public NamespaceAddressLease Allocate()
    {
        int slot;
        lock (_gate)
        {
            if (_free.First is null) throw new NamespaceAddressesExhaustedException(_subnet.ToString());
            slot = _free.First.Value;
            _free.RemoveFirst();
            _leased.Add(slot);
        }
        return new NamespaceAddressLease(slot, _subnet.HostIpv4(slot), _subnet.HostIpv6(slot));
    }

    /// <summary>Takes a given slot out of the free list: the address of an instance adopted after a worker restart.</summary>
    public NamespaceAddressLease Reserve(int slot)
    {
        lock (_gate)
        {
            var node = _free.Find(slot) ?? throw new InvalidOperationException($"slot {slot} of {_subnet} is not free");
            _free.Remove(node);
            _leased.Add(slot);
        }
        return new NamespaceAddressLease(slot, _subnet.HostIpv4(slot), _subnet.HostIpv6(slot));
    }

    /// <summary>Returns a slot; releasing one that is not leased is a bug in the caller and throws.</summary>
    public void Release(int slot)
    {
        lock (_gate)
        {
            if (!_leased.Remove(slot)) throw new InvalidOperationException($"slot {slot} of {_subnet} is not leased");
            _free.AddLast(slot);
        }
    }
}
