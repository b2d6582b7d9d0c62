using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Oakestra.Actors.DataPlane.Addressing;
using Oakestra.Actors.DataPlane.Balancing;

namespace Oakestra.Actors.DataPlane.Routing;

/// <summary>
/// Immutable, compiled form of a <see cref="RouteTableSpec"/>: every lookup the packet path needs is one
/// probe into a preallocated open-addressing table. Built by the packet-path actor, handed over with
/// <see cref="SnapshotHolder.Publish"/>. Only the Round Robin rotation indices and the per-service usage
/// counters change after compilation, and only the forwarding thread writes them.
/// </summary>
public sealed class RouteSnapshot
{
    internal const int ServiceAddressTag = 1; // Destinations values: instance index * 2, or address index * 2 + 1

    private readonly AddressTable _namespaces;   // Namespace IP -> instance index (local instances only)
    private readonly AddressTable _destinations; // Instance IP / Service IP -> tagged index
    private readonly AddressTable _peerAddresses;
    private readonly UInt128[] _rangeNetworks;
    private readonly UInt128[] _rangeMasks;
    internal readonly InstanceRoute[] Instances;
    internal readonly ServiceAddressRoute[] Addresses;
    internal readonly long[] Usage;

    public long Version { get; }

    /// <summary>Tunnel endpoints of the other workers; the index is the peer index used in <c>PacketMeta.PeerIndex</c>.</summary>
    public IReadOnlyList<IPEndPoint> Peers { get; }

    /// <summary><c>Peers.Count</c> as a field: the packet path checks peer indices without an interface call.</summary>
    internal readonly int PeerCount;

    /// <summary>Service ids by service index (the index of <see cref="ReadUsage"/>).</summary>
    public IReadOnlyList<string> ServiceIds { get; }

    public static RouteSnapshot Empty { get; } = Compile(new RouteTableSpec(0, null, [], [], []));

    private RouteSnapshot(long version, IPEndPoint[] peers, string[] serviceIds, InstanceRoute[] instances,
        ServiceAddressRoute[] addresses, AddressTable namespaces, AddressTable destinations, AddressTable peerAddresses,
        IReadOnlyList<IpPrefix> ranges)
    {
        Version = version;
        Peers = peers;
        PeerCount = peers.Length;
        ServiceIds = serviceIds;
        Instances = instances;
        Addresses = addresses;
        _namespaces = namespaces;
        _destinations = destinations;
        _peerAddresses = peerAddresses;
        Usage = new long[serviceIds.Length];
        _rangeNetworks = new UInt128[ranges.Count];
        _rangeMasks = new UInt128[ranges.Count];
        for (int i = 0; i < ranges.Count; i++) (_rangeNetworks[i], _rangeMasks[i]) = ranges[i].Compile();
    }

    /// <summary>Packets sent to a service (any of its Service or Instance IPs) since this snapshot was published; readable from any thread.</summary>
    public long ReadUsage(int serviceIndex) => Volatile.Read(ref Usage[serviceIndex]);

    /// <summary>The peer index whose tunnel address is <paramref name="address"/> and port <paramref name="port"/>, or -1. No allocation.</summary>
    public int FindPeer(UInt128 address, ushort port)
    {
        int i = _peerAddresses.Find(address);
        while (i >= 0)
        {
            if (Peers[i].Port == port) return i;
            // Several peers may share an address (lab: one host, several ports): fall back to a scan.
            for (int j = 0; j < Peers.Count; j++)
                if (Peers[j].Port == port && IpKey.From(Peers[j].Address) == address) return j;
            return -1;
        }
        return -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int FindLocalByNamespace(UInt128 address) => _namespaces.Find(address);

    /// <summary>Tagged destination index (see <see cref="ServiceAddressTag"/>) or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int FindDestination(UInt128 address) => _destinations.Find(address);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int FindInstance(UInt128 address)
    {
        int tagged = _destinations.Find(address);
        return tagged >= 0 && (tagged & ServiceAddressTag) == 0 ? tagged >> 1 : -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool InServiceRange(UInt128 address)
    {
        var nets = _rangeNetworks;
        var masks = _rangeMasks;
        for (int i = 0; i < nets.Length; i++)
            if ((address & masks[i]) == nets[i]) return true;
        return false;
    }

    /// <summary>True when a packet to <paramref name="address"/> would find a route (an instance, or a Service IP with an instance to pick).</summary>
    internal bool Resolves(UInt128 address)
    {
        int tagged = _destinations.Find(address);
        if (tagged < 0) return false;
        return (tagged & ServiceAddressTag) == 0 || Addresses[tagged >> 1].Eligible.Length > 0;
    }

    /// <summary>
    /// Compiles a spec. Throws <see cref="ArgumentException"/> for an inconsistent spec (duplicate address,
    /// peer index out of range, local instance without Namespace IP, ...): the owner's bug, never the loop's.
    /// Round Robin rotation continues from <paramref name="previous"/> for addresses present in both.
    /// </summary>
    public static RouteSnapshot Compile(RouteTableSpec spec, BalancingOptions? options = null, RouteSnapshot? previous = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        options ??= BalancingOptions.Default;

        var peers = spec.Peers.Select((p, i) => p?.TunnelEndpoint ?? throw new ArgumentException($"peer {i} has no tunnel endpoint")).ToArray();
        var peerAddresses = new AddressTable(peers.Length);
        for (int i = 0; i < peers.Length; i++) peerAddresses.TryAdd(IpKey.From(peers[i].Address), i);

        var serviceIds = new List<string>();
        var serviceIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        int ServiceOf(string id)
        {
            if (!serviceIndex.TryGetValue(id, out int s)) { s = serviceIds.Count; serviceIds.Add(id); serviceIndex[id] = s; }
            return s;
        }
        foreach (var svc in spec.Services)
        {
            if (serviceIndex.ContainsKey(svc.ServiceId)) throw new ArgumentException($"service {svc.ServiceId} is listed twice");
            ServiceOf(svc.ServiceId);
        }

        var instances = new List<InstanceRoute>();
        var instanceByAddress = new Dictionary<UInt128, int>();
        var instancesOfService = new List<int>[serviceIds.Count + spec.LocalInstances.Count];
        for (int i = 0; i < instancesOfService.Length; i++) instancesOfService[i] = [];

        void RegisterInstanceAddress(UInt128 key, int index)
        {
            if (key == 0) return;
            if (!instanceByAddress.TryAdd(key, index)) throw new ArgumentException($"Instance IP {IpKey.ToAddress(key)} appears twice");
        }

        foreach (var svc in spec.Services)
        {
            int s = serviceIndex[svc.ServiceId];
            foreach (var inst in svc.Instances)
            {
                if (inst.PeerIndex < InstanceSpec.Local || inst.PeerIndex >= peers.Length)
                    throw new ArgumentException($"an instance of {svc.ServiceId} names peer {inst.PeerIndex}, which does not exist");
                var route = new InstanceRoute
                {
                    InstanceV4 = Key(inst.InstanceIPv4, AddressFamily.InterNetwork, "Instance IPv4"),
                    InstanceV6 = Key(inst.InstanceIPv6, AddressFamily.InterNetworkV6, "Instance IPv6"),
                    PeerIndex = inst.PeerIndex,
                    ServiceIndex = s,
                };
                if (route.InstanceV4 == 0 && route.InstanceV6 == 0) throw new ArgumentException($"an instance of {svc.ServiceId} has no Instance IP");
                int index = instances.Count;
                instances.Add(route);
                instancesOfService[s].Add(index);
                RegisterInstanceAddress(route.InstanceV4, index);
                RegisterInstanceAddress(route.InstanceV6, index);
            }
        }

        var namespaceOf = new Dictionary<UInt128, int>();
        var withNamespace = new HashSet<int>();
        foreach (var local in spec.LocalInstances)
        {
            UInt128 i4 = Key(local.InstanceIPv4, AddressFamily.InterNetwork, "Instance IPv4");
            UInt128 i6 = Key(local.InstanceIPv6, AddressFamily.InterNetworkV6, "Instance IPv6");
            UInt128 n4 = Key(local.NamespaceIPv4, AddressFamily.InterNetwork, "Namespace IPv4");
            UInt128 n6 = Key(local.NamespaceIPv6, AddressFamily.InterNetworkV6, "Namespace IPv6");
            if ((i4 == 0) != (n4 == 0) || (i6 == 0) != (n6 == 0) || (i4 == 0 && i6 == 0))
                throw new ArgumentException($"local instance of {local.ServiceId} needs an Instance IP and a Namespace IP for each family it uses");
            int index = -1;
            if (i4 != 0 && instanceByAddress.TryGetValue(i4, out int a)) index = a;
            else if (i6 != 0 && instanceByAddress.TryGetValue(i6, out int b)) index = b;
            if (index < 0)
            {
                int s = ServiceOf(local.ServiceId);
                index = instances.Count;
                instances.Add(new InstanceRoute { InstanceV4 = i4, InstanceV6 = i6, PeerIndex = InstanceSpec.Local, ServiceIndex = s });
                instancesOfService[s].Add(index);
                RegisterInstanceAddress(i4, index);
                RegisterInstanceAddress(i6, index);
            }
            var route = instances[index];
            if (!route.IsLocal) throw new ArgumentException($"local instance {IpKey.ToAddress(i4 != 0 ? i4 : i6)} is listed on peer {route.PeerIndex}");
            if (route.InstanceV4 != i4 || route.InstanceV6 != i6) throw new ArgumentException($"local instance of {local.ServiceId} has other Instance IPs than its service lists");
            route.NamespaceV4 = n4;
            route.NamespaceV6 = n6;
            instances[index] = route;
            withNamespace.Add(index);
            foreach (var n in (ReadOnlySpan<UInt128>)[n4, n6])
                if (n != 0 && !namespaceOf.TryAdd(n, index)) throw new ArgumentException($"Namespace IP {IpKey.ToAddress(n)} appears twice");
        }
        for (int i = 0; i < instances.Count; i++)
            if (instances[i].IsLocal && !withNamespace.Contains(i))
                throw new ArgumentException($"local instance {IpKey.ToAddress(instances[i].InstanceV4 != 0 ? instances[i].InstanceV4 : instances[i].InstanceV6)} has no Namespace IP (missing from LocalInstances)");

        var instanceArray = instances.ToArray();
        var context = new PolicyContext(spec, instanceArray.Select(r => r.PeerIndex).ToArray(), options);
        var addresses = new List<ServiceAddressRoute>();
        var addressIndex = new Dictionary<UInt128, int>();
        foreach (var svc in spec.Services)
        {
            int s = serviceIndex[svc.ServiceId];
            foreach (var a in svc.Addresses)
            {
                if (a.Policy == BalancingPolicyId.Instance) throw new ArgumentException($"{a.Address}: Instance IPs come from the instances, not from service addresses");
                var key = IpKey.From(a.Address);
                bool v6 = !IpKey.IsV4(key);
                var candidates = instancesOfService[s].Where(i => instanceArray[i].Instance(v6) != 0).ToArray();
                var policy = BalancingPolicies.Get(a.Policy);
                var route = new ServiceAddressRoute(key, s, policy, candidates, policy.SelectEligible(candidates, context));
                if (previous is not null && previous.FindDestination(key) is int prev and >= 0 && (prev & ServiceAddressTag) != 0)
                    route.Rotation = previous.Addresses[prev >> 1].Rotation;
                if (instanceByAddress.ContainsKey(key) || !addressIndex.TryAdd(key, addresses.Count))
                    throw new ArgumentException($"Service IP {a.Address} appears twice");
                addresses.Add(route);
            }
        }

        var destinations = new AddressTable(instanceByAddress.Count + addressIndex.Count);
        foreach (var (key, index) in instanceByAddress) destinations.TryAdd(key, index << 1);
        foreach (var (key, index) in addressIndex) destinations.TryAdd(key, (index << 1) | ServiceAddressTag);
        var namespaces = new AddressTable(namespaceOf.Count);
        foreach (var (key, index) in namespaceOf) namespaces.TryAdd(key, index);

        return new RouteSnapshot(spec.Version, peers, serviceIds.ToArray(), instanceArray, addresses.ToArray(),
            namespaces, destinations, peerAddresses, spec.ServiceRanges);
    }

    private static UInt128 Key(IPAddress? address, AddressFamily family, string what)
    {
        if (address is null) return 0;
        if (address.AddressFamily != family) throw new ArgumentException($"{what} {address} is of the wrong family");
        return IpKey.From(address);
    }
}
