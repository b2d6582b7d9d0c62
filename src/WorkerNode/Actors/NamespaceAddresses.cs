using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.WorkerNode.Ports;

namespace Oakestra.Actors.WorkerNode.Actors;

/// <summary>
/// Namespace IPs of this node's placements: offset 1 is the gateway, 2… the placements (the same offset in
/// the v4 and the v6 subnet). Freed on stop; a new placement gets new addresses, as the design says.
/// </summary>
public sealed class NamespaceAddresses
{
    private readonly HashSet<ulong> _used = new();
    private ulong _next = 2;

    public NodeSubnets? Subnets { get; private set; }

    public void Assign(NodeSubnets subnets) => Subnets = subnets;

    public (Ipv4Address V4, Ipv6Address V6, ulong Offset)? Allocate()
    {
        if (Subnets is not { } s) return null;
        var v6Last = s.V6.Size - 1 > ulong.MaxValue ? ulong.MaxValue : (ulong)(s.V6.Size - 1);
        var last = Math.Min(s.V4.Size - 2, v6Last);
        var span = last - 1; // offsets 2..last
        if (span == 0 || (ulong)_used.Count >= span) return null;
        // Round the subnet rather than reuse the lowest free offset at once: a just-freed address stays
        // unused as long as possible.
        while (true)
        {
            var offset = _next;
            _next = _next >= last ? 2 : _next + 1;
            if (_used.Add(offset)) return (s.V4.At(offset), s.V6.At(offset), offset);
        }
    }

    public void Free(ulong offset) => _used.Remove(offset);

    /// <summary>Marks the offset of an address a placement already holds (one adopted after a restart) as used.</summary>
    public ulong Reserve(Ipv4Address address)
    {
        var offset = Subnets is { } s && s.V4.Contains(address) ? s.V4.OffsetOf(address) : 0;
        if (offset >= 2) _used.Add(offset);
        return offset;
    }
}
