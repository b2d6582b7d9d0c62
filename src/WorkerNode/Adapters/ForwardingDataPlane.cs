using System.Collections.Concurrent;
using System.Net;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.DataPlane.Balancing;
using Oakestra.Actors.DataPlane.Loop;
using Oakestra.Actors.DataPlane.Routing;
using Oakestra.Actors.DataPlane.Translation;
using Oakestra.Actors.DataPlane.Tun;
using Oakestra.Actors.DataPlane.Tunnel;
using Oakestra.Actors.WorkerNode.Ports;
using PortCounters = Oakestra.Actors.WorkerNode.Ports.DataPlaneCounters;
using SpecService = Oakestra.Actors.DataPlane.Routing.ServiceSpec;

namespace Oakestra.Actors.WorkerNode.Adapters;

/// <summary>
/// <see cref="IDataPlane"/> over the real packet path: the TUN device, the UDP tunnel, the translator and
/// the forwarding loop. Compiles the packet-path actor's tables into route snapshots and swaps them in; the
/// loop never waits for this class. Peer indices are append-only (a peer keeps its index for the life of
/// the process), as the snapshot requires.
/// </summary>
public sealed class ForwardingDataPlane : IDataPlane, IDisposable
{
    private readonly TunDevice _tun;
    private readonly UdpTunnel _tunnel;
    private readonly PacketTranslator _translator;
    private readonly ForwardingLoop<PacketTranslator> _loop;
    private readonly ServiceUsageTracker _usage = new();
    private readonly object _publishLock = new();
    private readonly Dictionary<string, int> _peerIndex = new(StringComparer.Ordinal);
    private readonly List<IPEndPoint> _peers = [];
    private readonly List<string> _peerNames = [];
    // Last key and salt heard for each peer endpoint: a peer that drops out of one table keeps its keys for the next.
    private readonly Dictionary<string, (byte[] PublicKey, byte[] Salt)> _peerKeys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RouteKey> _serviceKeys = new(StringComparer.Ordinal);

    public ForwardingDataPlane(ForwardingDataPlaneOptions options)
    {
        _tun = TunDevice.Open(new TunOptions(options.TunName) { Offload = options.Offload, Mtu = options.TunMtu, BringUp = true });
        try
        {
            _tunnel = UdpTunnel.Open(new UdpTunnelOptions
            {
                Port = options.TunnelPort, BindAddress = options.TunnelBindAddress, Security = options.Security, Identity = options.Identity,
            });
            _translator = new PacketTranslator(new SnapshotHolder(RouteSnapshot.Empty));
            _loop = new ForwardingLoop<PacketTranslator>(_translator, _tun, _tunnel);
            _loop.Start();
        }
        catch
        {
            _tunnel?.Dispose();
            _tun.Dispose();
            throw;
        }
    }

    public string TunName => _tun.Name;

    public bool AcceptsTunnelEndpoint(string endpoint) => CanSendTo(endpoint);

    /// <summary>The tunnel sends to addresses only: a name would need resolving on the packet path.</summary>
    public static bool CanSendTo(string endpoint) => IPEndPoint.TryParse(endpoint, out _);

    public void Publish(DataPlaneTable table)
    {
        lock (_publishLock)
        {
            var spec = Compile(table);
            var previous = _translator.Snapshots.Current;
            _translator.Snapshots.Publish(RouteSnapshot.Compile(spec, previous: previous));
            _tunnel.PublishPeers(_peers.Select((ep, i) => _peerKeys.TryGetValue(_peerNames[i], out var k)
                ? new TunnelPeer(ep, k.PublicKey, k.Salt) : new TunnelPeer(ep)).ToArray());
        }
    }

    private RouteTableSpec Compile(DataPlaneTable table)
    {
        int PeerOf(string endpoint)
        {
            if (_peerIndex.TryGetValue(endpoint, out var i)) return i;
            i = _peers.Count;
            _peers.Add(ParseEndpoint(endpoint));
            _peerNames.Add(endpoint);
            _peerIndex[endpoint] = i;
            return i;
        }

        foreach (var p in table.Peers)
        {
            PeerOf(p.TunnelEndpoint);
            if (KeyOf(p) is { } key) _peerKeys[p.TunnelEndpoint] = key;
        }
        // See InstanceRouting for draining placements and routes that name this node before the start completed.
        var localHere = table.LocalInstances.Select(l => l.InstanceV4).ToHashSet();
        var services = new List<SpecService>(table.Services.Count);
        foreach (var s in table.Services)
        {
            var addresses = new List<ServiceAddressSpec>();
            foreach (var a in s.Addresses)
            {
                var policy = PolicyOf(a.Policy);
                if (policy is null) continue; // a policy this build cannot balance: its Service IP stays unrouted
                if (a.V4 is { } v4) addresses.Add(new ServiceAddressSpec(v4.ToIPAddress(), policy.Value));
                if (a.V6 is { } v6) addresses.Add(new ServiceAddressSpec(v6.ToIPAddress(), policy.Value));
            }
            var instances = new List<InstanceSpec>();
            foreach (var i in s.Instances)
            {
                var via = InstanceRouting.Via(i, localHere.Contains(i.InstanceV4));
                if (via == InstanceVia.None) continue;
                instances.Add(new InstanceSpec(i.InstanceV4.ToIPAddress(), i.InstanceV6.ToIPAddress(),
                    via == InstanceVia.Local ? InstanceSpec.Local : PeerOf(i.TunnelEndpoint!)));
            }
            services.Add(new SpecService(s.ServiceId, addresses, instances));
            var key = s.Addresses.Select(a => a.V4 is { } v4 ? new RouteKey(v4, null) : a.V6 is { } v6 ? new RouteKey(null, v6) : null)
                .FirstOrDefault(k => k is not null);
            if (key is not null) _serviceKeys[s.ServiceId] = key;
        }

        // Location and RTT per peer come from the instances' owners and the peer list, whichever knows them.
        var located = table.Peers.ToDictionary(p => p.TunnelEndpoint, p => (p.Latitude, p.Longitude, p.Rtt), StringComparer.Ordinal);
        foreach (var i in table.Services.SelectMany(s => s.Instances))
            if (i.TunnelEndpoint is { } ep && !located.ContainsKey(ep)) located[ep] = (i.Latitude, i.Longitude, i.Rtt);
        var peers = _peers.Select((ep, index) =>
        {
            located.TryGetValue(_peerNames[index], out var at);
            var rtt = _tunnel.TryGetRtt(ep, out var measured) ? measured : at.Rtt;
            return new PeerSpec(ep, at.Latitude is { } lat && at.Longitude is { } lon ? new GeoPoint(lat, lon) : null, rtt);
        }).ToArray();

        var locals = table.LocalInstances.Select(l => new LocalInstanceSpec(
            l.ServiceId, l.InstanceV4.ToIPAddress(), l.InstanceV6.ToIPAddress(), l.NamespaceV4.ToIPAddress(), l.NamespaceV6.ToIPAddress())).ToArray();
        return new RouteTableSpec(table.Version, new GeoPoint(table.Latitude, table.Longitude), peers, locals, services);
    }

    /// <summary>The peer's key and salt when both are well-formed base64 of the right lengths; a peer without them gets no sealed traffic.</summary>
    private static (byte[] PublicKey, byte[] Salt)? KeyOf(PeerEntry peer)
    {
        if (peer.TunnelPublicKey is not { } k || peer.TunnelSalt is not { } s) return null;
        var key = new byte[32];
        var salt = new byte[TunnelIdentity.SaltLength];
        return Convert.TryFromBase64String(k, key, out var kn) && kn == key.Length && Convert.TryFromBase64String(s, salt, out var sn) && sn == salt.Length
            ? (key, salt) : null;
    }

    private static BalancingPolicyId? PolicyOf(string policy) => policy switch
    {
        Contracts.Routing.BalancingPolicies.RoundRobin => BalancingPolicyId.RoundRobin,
        Contracts.Routing.BalancingPolicies.Closest => BalancingPolicyId.Closest,
        _ => null,
    };

    private static IPEndPoint ParseEndpoint(string endpoint) =>
        IPEndPoint.TryParse(endpoint, out var ep) ? ep : throw new ArgumentException($"tunnel endpoint '{endpoint}' is not address:port");

    public IReadOnlyList<RouteKey> DrainMisses()
    {
        var misses = new List<RouteKey>();
        while (_translator.TryReadMiss(out var miss))
        {
            var a = miss.Address;
            misses.Add(miss.IsIPv6
                ? new RouteKey(null, Contracts.Addressing.Ipv6Address.From(a))
                : new RouteKey(Contracts.Addressing.Ipv4Address.From(a), null));
        }
        return misses.Distinct().ToArray();
    }

    public IReadOnlyList<RouteKey> ReadUsage()
    {
        var used = _usage.TakeDelta(_translator.Snapshots.Current);
        return used.Keys.Select(id => _serviceKeys.GetValueOrDefault(id)).OfType<RouteKey>().ToArray();
    }

    public PortCounters Counters
    {
        get
        {
            var c = _translator.Counters;
            var io = _loop.Counters;
            return new PortCounters(
                c[DataPlaneCounter.OutToTunnel] + c[DataPlaneCounter.InToTun],
                c.TotalDropped,
                c[DataPlaneCounter.MissQueued],
                c[DataPlaneCounter.DropMissExpired],
                io.TunnelPacketsIn,
                io.TunnelDatagramsOut);
        }
    }

    public string? ForwardingProblem =>
        !_tun.IsOpen ? $"TUN {_tun.Name} is closed"
        : !System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces().Any(n => n.Name == _tun.Name) ? $"TUN {_tun.Name} is gone from the node"
        : _loop.NotRunning is { } why ? $"forwarding loop: {why}"
        : null;

    public NodeCounters ReadCounters() =>
        ForwardingCounters.Read(_translator.Counters, _loop.Counters, _translator.FlowCount, _translator.WaitingDestinations);

    public IReadOnlyDictionary<string, TimeSpan> PeerRtts
    {
        get
        {
            lock (_publishLock)
            {
                var rtts = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
                foreach (var (name, index) in _peerIndex)
                    if (_tunnel.TryGetRtt(_peers[index], out var rtt)) rtts[name] = rtt;
                return rtts;
            }
        }
    }

    public void Dispose()
    {
        _loop.Dispose();
        _tunnel.Dispose();
        _tun.Dispose();
    }
}

public sealed record ForwardingDataPlaneOptions
{
    public string TunName { get; init; } = "oak0";
    public bool Offload { get; init; } = true;
    public int? TunMtu { get; init; }
    public int TunnelPort { get; init; } = UdpTunnelOptions.DefaultPort;
    public IPAddress TunnelBindAddress { get; init; } = IPAddress.IPv6Any;
    /// <summary>Oak:Tunnel:Security.</summary>
    public TunnelSecurity Security { get; init; } = TunnelSecurity.Aead;
    /// <summary>The node's key pair and this start's salt (the same the worker registers); null = a throwaway one.</summary>
    public TunnelIdentity? Identity { get; init; }
}
