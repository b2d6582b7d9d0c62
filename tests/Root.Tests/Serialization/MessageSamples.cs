using Akka.Actor;
using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Root.Pools;

namespace Oakestra.Actors.Root.Tests.Serialization;

/// <summary>One filled-in instance of every cluster message (nullable fields set, lists non-empty).</summary>
public static class MessageSamples
{
    private static readonly Ipv4Address V4 = Ipv4Address.Parse("10.30.0.7");
    private static readonly Ipv6Address V6 = Ipv6Address.Parse("fdff::7");

    /// <summary>A tunnel public key (32 bytes) and start salt (16 bytes), base64, as workers register them.</summary>
    public const string TunnelKey = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=";
    public const string TunnelSalt = "AAECAwQFBgcICQoLDA0ODw==";

    public static Placement Placement => new("site1", "w1", Ipv4Address.Parse("10.18.0.2"), Ipv6Address.Parse("fc00::2"), "10.0.0.1:50103", 3, "oak-ns-1");

    public static InstanceRoute Instance(int n, Placement? owner) =>
        new($"a.b.c.d.{n}", n, V4.Add((ulong)n), V6.Add((UInt128)n), InstanceStatus.Running, owner);

    public static ServiceRoutes Routes => new(
        "a.b.c.d", 5,
        [new ServiceAddress("round_robin", Ipv4Address.Parse("10.30.0.1"), Ipv6Address.Parse("fdff:2000::1")), new ServiceAddress("closest", null, Ipv6Address.Parse("fdff:1000::1"))],
        [Instance(0, Placement), Instance(1, null)]);

    public static ServiceDelta Delta => new("a.b.c.d", 5, 6,
        [new InstanceUpserted(Instance(2, Placement)), new InstanceRemoved("a.b.c.d.1"),
         new AddressesChanged([new ServiceAddress("closest", V4, null)]), new ServiceDeleted()]);

    public static InstanceLaunch Launch => new("a.b.c.d.0", "a.b.c.d", 0, V4, V6, "python3 -m http.server 80", 80, 4);

    public static NodeTable NodeTable => new("site1", "w1", 12, new DateTime(2026, 11, 26, 12, 0, 0, DateTimeKind.Utc),
        [new NodeTableService("a.b.c.d", 5, [new NodeTableServiceIp("round_robin", "10.30.0.1", "fdff:2000::1"), new NodeTableServiceIp("closest", null, "fdff:1000::1")],
            [new NodeTableInstance("a.b.c.d.0", "10.30.0.7", "fdff::7", "Running", 3, "w1", "local", "10.18.0.2", "fc00::2", null),
             new NodeTableInstance("a.b.c.d.1", "10.30.0.8", "fdff::8", "Running", 1, "w2", "tunnel", null, null, "10.99.0.4:50103")])],
        [new NodeTableLocalInstance("a.b.c.d.0", "a.b.c.d", "10.30.0.7", "fdff::7", "10.18.0.2", "fc00::2", 3, false)],
        [new NodeTablePeer("site1", "w2", "10.99.0.4:50103", 0.42), new NodeTablePeer("site1", "w3", "10.99.0.5:50103", null)],
        new NodeCounters("forwarding", 2, 40, 41, 42, 20, 21, 3, 2, 1, 0, 5,
            new Dictionary<string, long> { ["spoofed"] = 4, ["miss_expired"] = 1 }, new Dictionary<string, long> { ["flow_new"] = 2 }));

    public static IReadOnlyList<object> All(IActorRef actor) =>
    [
        // Contracts/Protocol
        new PlaceInstance(Launch, "w1"),
        new PlaceInstance(Launch with { Port = null }, null),
        new PlacementRefused("a.b.c.d.0", 4, "no worker up"),
        new StartInstance(Launch),
        new StopInstance("a.b.c.d.0", 4, TimeSpan.FromSeconds(30)),
        new InstanceStatusReport("a.b.c.d.0", 4, InstanceStatus.Running, Placement, "started"),
        new InstanceStatusReport("a.b.c.d.0", 4, InstanceStatus.Failed, null),
        new StaleEpoch("a.b.c.d.0", 3, 4),
        new QueryRoute("w1", new RouteKey(V4, null)),
        new ResolveRoute("site1", actor, new RouteKey(null, V6)),
        new RouteFound(new RouteKey(V4, null), Routes),
        new RouteNotFound(new RouteKey(null, V6)),
        new SubscribeService("a.b.c.d", "w1", actor),
        new UnsubscribeService("a.b.c.d", "w1"),
        new RequestServiceSnapshot("a.b.c.d", "w1", actor),
        new ServiceRoutesSnapshot(Routes with { Deleted = true }),
        new RegisterSite("site1", actor),
        new SiteRegistered("site1"),
        new RegisterWorker("site1", "w1", "10.0.0.1:50103", 48.1, 11.6, actor),
        new RegisterWorker("site1", "w1", "10.0.0.1:50103", 48.1, 11.6, actor, Ipv4Prefix.Parse("10.18.0.64/26"), Ipv6Prefix.Parse("fc00::100/120")),
        new RegisterWorker("site1", "w1", "10.0.0.1:50103", 48.1, 11.6, actor, null, null, TunnelKey, TunnelSalt),
        new SiteHeartbeat("site1", actor, 42, 3),
        new SiteHeartbeatAck("site1", 42, "a1b2c3"),
        new WorkerDigest("site1", "w1", actor,
            [new PlacementDigest("a.b.c.d.0", 4, "w1", InstanceStatus.Running, Placement, Draining: false, ProcessId: 4711),
             new PlacementDigest("a.b.c.d.1", 2, "w1", InstanceStatus.Starting, null, Draining: true)],
            [new ServiceVersion("a.b.c.d", 7)]),
        new SiteDigest("site1", actor, [new PlacementDigest("a.b.c.d.0", 4, "w1", InstanceStatus.Running, Placement)], [new ServiceVersion("a.b.c.d", 7)]),
        new AssignWorkerSubnets("site1", "w1", "10.0.0.1:50103", 48.1, 11.6),
        new WorkerSubnetsAssigned("site1", "w1", Ipv4Prefix.Parse("10.18.0.64/26"), Ipv6Prefix.Parse("fc00::100/120")),
        new WorkerSubnetsAssigned("site1", "w1", Ipv4Prefix.Parse("10.18.0.64/26"), Ipv6Prefix.Parse("fc00::100/120"), "10.0.0.1:50103"),
        new WorkerRegistrationRefused("site1", "w1", "subnet-v4 exhausted"),
        new WorkerRefused("site1", "w9", "w9.invalid:50103", "tunnel endpoint 'w9.invalid:50103' is not an address and w9.invalid does not resolve (HostNotFound)"),
        new UpdateWorkerLocation("site1", "w1", -33.9, 151.2),
        new WorkerStateChanged("site1", "w1", WorkerState.Unreachable),
        new SitePeersSnapshot("site1", 1764850000000000, 0, 2, [new SitePeer("site1", "w1", "10.99.0.3:50103", 48.1, 11.6), new SitePeer("site1", "w2", "[fc00::2]:50103", -33.9, 151.2)]),
        new SitePeersSnapshot("site1", 1764850000000000, 1, 2, [new SitePeer("site1", "w3", "10.99.0.5:50103", 48.1, 11.6, TunnelKey, TunnelSalt)]),
        new SitePeersChanged("site1", 1764850000000000, 1764850000000001, [new SitePeer("site1", "w1", "10.99.0.3:50103", 48.1, 11.6, TunnelKey, TunnelSalt)], ["w2"]),
        new RequestSitePeers("site1", "w1", actor, 1764850000000000),
        new RequestSitePeers("site1", "w1", actor, null),
        new WorkerDigest("site1", "w1", actor, [], [], PeersVersion: 1764850000000001),
        new InstanceStatusReport("a.b.c.d.0", 4, InstanceStatus.Running, Placement with { TunnelPublicKey = TunnelKey, TunnelSalt = TunnelSalt }, "started"),
        new PlaceInstance(Launch with { Virtualization = "container", Command = ["sh", "-c", "x"], Environment = ["A=1"], Limits = new InstanceLimits(100L << 20, 0.5, 64) }, "w2"),
        new InstanceStatusReport("a.b.c.d.0", 4, InstanceStatus.Failed, Placement, "exited (0)", ExitCode: 0),
        new ReadInstanceLog("site1", "w1", "a.b.c.d.0", 1024, 20, ReadInstanceLog.MaxChunkBytes),
        new InstanceLogChunk("a.b.c.d.0", 1024, 2048, 4096, "line ✓\n", Restarted: true, Running: true),
        new InstanceLogUnavailable("a.b.c.d.0", "node w1 of site site1 is down"),
        new QueryNodeTable("site1", "w1"),
        new NodeTableUnavailable("site1", "w1", "node w1 of site site1 is unreachable"),
        NodeTable,
        NodeTable with { TableVersion = null, PublishedAtUtc = null, Services = [], LocalInstances = [], Peers = [], Counters = NodeCounters.None("inert") },
        // Contracts/Routing
        Delta,
        // Root/Pools protocol (crosses the wire between root processes)
        new AllocateAddress(PoolNames.ServiceV4, "instance:a.b.c.d.0", "10.30.0.9", true),
        new ReleaseAddress(PoolNames.InstanceV6, "fdff::1", null, false),
        new ReleaseOwner(PoolNames.SubnetV4, "worker:site1/w1"),
        new PreviewAddresses("round_robin-v6", 3),
        new LookupOwner(PoolNames.ServiceV4, "10.30.0.1"),
        new ListHoldings(PoolNames.ServiceV4, "instance:x"),
        new ListUnconfirmed(PoolNames.ServiceV4, TimeSpan.FromSeconds(120), "10.30.0.1", 500),
        new ConfirmHoldings(PoolNames.InstanceV6, [new UnconfirmedHolding("fdff::1", "instance:a.b.c.d.0", TimeSpan.FromSeconds(3.5))], TimeSpan.FromHours(1)),
        new ReclaimAddress(PoolNames.ServiceV4, new UnconfirmedHolding("10.30.0.1", "service:a.b.c.d/round_robin", TimeSpan.Zero), TimeSpan.FromSeconds(120)),
        new UnconfirmedHoldings(PoolNames.ServiceV4, [new UnconfirmedHolding("10.30.0.1", "service:a.b.c.d/round_robin", TimeSpan.FromSeconds(7))], true),
        new HoldingsConfirmed(PoolNames.InstanceV6, 3),
        new ListHeld(PoolNames.ServiceV4, null, 1000),
        new HeldAddresses(PoolNames.ServiceV4, [new PoolLease(PoolNames.ServiceV4, "instance:a.b.c.d.0", "10.30.0.9")], false),
        new AddressAllocated(new PoolLease(PoolNames.ServiceV4, "o", "10.30.0.1"), true),
        new AddressesReleased(PoolNames.ServiceV4, [new PoolLease(PoolNames.ServiceV4, "o", "10.30.0.1")]),
        new AddressesPreviewed("closest-v6", ["fdff:1000::1", "fdff:1000::2"]),
        new AddressOwner(new PoolLease(PoolNames.SubnetV6, "worker:s/w", "fc00::/120")),
        new OwnerHoldings(PoolNames.ServiceV4, "o", []),
        new PoolError(PoolErrorKind.Exhausted, "tiny-v4", "pool tiny-v4 is exhausted", null),
    ];
}
