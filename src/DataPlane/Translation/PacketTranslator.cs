using System.Diagnostics;
using System.Runtime.CompilerServices;
using Oakestra.Actors.DataPlane.Addressing;
using Oakestra.Actors.DataPlane.Flows;
using Oakestra.Actors.DataPlane.Forwarding;
using Oakestra.Actors.DataPlane.Misses;
using Oakestra.Actors.DataPlane.Packets;
using Oakestra.Actors.DataPlane.Routing;

namespace Oakestra.Actors.DataPlane.Translation;

/// <summary>
/// The translation side of the data plane (docs/DESIGN.md §4 "Instance IPs on the wire").
/// <list type="bullet">
/// <item><b>From the TUN</b> (a local instance sends): the source must be a local Namespace IP (else
/// DropSpoofed), the destination inside the service ranges (else DropNotService). A Service IP goes
/// through the flow table; a new flow picks an instance by the address's policy and is recorded under its
/// forward key and its reply key. An Instance IP goes straight to its instance. Source becomes the sender's
/// Instance IP; destination the target's Instance IP (remote: ToTunnel to its node) or, for a target on
/// this node, its Namespace IP after the incoming step below (ToTun). No route: the packet waits in the
/// miss queue (Queued) and the owner is told once.</item>
/// <item><b>From the tunnel</b> (source = remote sender's Instance IP, destination = a local Instance IP):
/// believed only as <see cref="Believed"/> says (else DropSourceNotOnPeer; a source the routes do not know
/// waits in the miss queue for its route); destination becomes the local Namespace IP; when the packet is
/// the reply of a flow a local instance opened through a Service IP, the source becomes that Service IP, otherwise it stays the sender's
/// Instance IP and the flow is learned (with the peer it came from), so the replies need no table
/// query (a learned flow never replaces an open flow's forward key: DropLearnConflict). A destination that
/// left this node is forwarded once (Forwarded flag) to its new node if known.</item>
/// </list>
/// Single-threaded: one forwarding thread calls <see cref="Process"/> and <see cref="Poll{TSink}"/>. Other
/// threads may publish snapshots (<see cref="Snapshots"/>), read <see cref="Counters"/>, usage and misses.
/// Time is the <c>nowTicks</c> (Stopwatch ticks) of the last <see cref="Poll{TSink}"/> or <see cref="SetTime"/>.
/// </summary>
public sealed unsafe class PacketTranslator : IPacketProcessor
{
    private readonly FlowTable _flows;
    private readonly MissQueue _misses;
    private readonly int _sweepBudget;
    private long _now;

    public PacketTranslator(SnapshotHolder snapshots, TranslatorOptions? options = null)
    {
        options ??= TranslatorOptions.Default;
        Snapshots = snapshots ?? throw new ArgumentNullException(nameof(snapshots));
        Counters = new DataPlaneCounters();
        _flows = new FlowTable(options.Flows, Counters);
        _misses = new MissQueue(options.Misses, Counters);
        _sweepBudget = options.SweepBudget;
        _now = Stopwatch.GetTimestamp();
    }

    public SnapshotHolder Snapshots { get; }
    public DataPlaneCounters Counters { get; }

    /// <summary>Flows currently recorded (forwarding thread's view; approximate from elsewhere).</summary>
    public int FlowCount => _flows.Count;

    /// <summary>Destinations with packets waiting for a route.</summary>
    public int WaitingDestinations => _misses.ActiveDestinations;

    /// <summary>Owner side: the next destination the loop lacked a route for. Lock-free, one reader thread.</summary>
    public bool TryReadMiss(out MissReport report) => _misses.Reports.TryRead(out report);

    /// <summary>Forwarding thread: sets the clock used for flow timestamps (Stopwatch ticks) without polling.</summary>
    public void SetTime(long nowTicks) => _now = nowTicks;

    public Disposition Process(PacketSource source, byte* packet, int length, ref PacketMeta meta)
        => ProcessCore(source, packet, length, ref meta, Snapshots.Current, mayQueue: true);

    public void Poll<TSink>(long nowTicks, ref TSink sink) where TSink : struct, IPacketSink, allows ref struct
    {
        _now = nowTicks;
        _flows.Sweep(nowTicks, _sweepBudget);
        if (_misses.ActiveDestinations == 0) return;
        var snapshot = Snapshots.Current;
        for (int slot = 0; slot < _misses.SlotCount; slot++)
        {
            if (!_misses.IsUsed(slot)) continue;
            _misses.Report(slot);
            if (!snapshot.Resolves(_misses.Destination(slot)))
            {
                _misses.Expire(slot, nowTicks);
                continue;
            }
            while (_misses.TryDequeue(slot, out int buffer))
            {
                byte* packet = _misses.BufferPointer(buffer);
                int length = _misses.Length(buffer);
                ref PacketMeta meta = ref _misses.Meta(buffer);
                var where = ProcessCore(_misses.Source(buffer), packet, length, ref meta, snapshot, mayQueue: false);
                if (where is Disposition.ToTun or Disposition.ToTunnel)
                {
                    sink.Emit(where, packet, length, meta);
                    Counters.Increment(DataPlaneCounter.MissFlushed);
                }
                _misses.Release(buffer);
            }
            _misses.FreeSlot(slot);
        }
    }

    private Disposition ProcessCore(PacketSource source, byte* packet, int length, ref PacketMeta meta, RouteSnapshot snapshot, bool mayQueue)
    {
        var parsed = PacketParser.Parse(packet, length, out ParsedPacket p);
        if (parsed != ParseResult.Ok) return Drop(DropReasonOf(parsed));
        return source == PacketSource.Tun
            ? Outgoing(packet, length, ref p, ref meta, snapshot, mayQueue)
            : Incoming(packet, length, ref p, ref meta, snapshot, mayQueue);
    }

    // The flow-hit paths below are kept small so the JIT keeps their state in registers; everything a hit
    // does not need (new flows, learned flows, snapshot re-checks, local delivery) lives in separate methods.

    private Disposition Outgoing(byte* packet, int length, ref ParsedPacket p, ref PacketMeta meta, RouteSnapshot snapshot, bool mayQueue)
    {
        long now = _now;
        ref readonly FlowKey forward = ref p.Key; // the packet's own 5-tuple (read before any rewrite)
        ulong forwardHash = forward.Hash();
        FlowEntry* entry = _flows.Lookup(forward, forwardHash, now, FlowKeyKind.Forward);
        // A flow exists only for a valid local sender and a service-range destination; both are
        // re-checked once per snapshot version instead of once per packet.
        if (entry == null || entry->CachedVersion != snapshot.Version || ((p.TcpFlags & SynAck) == ParsedPacket.TcpSyn && FlowTable.IsClosing(entry)))
            return OutgoingUnchecked(packet, length, ref p, ref meta, snapshot, mayQueue, entry, forwardHash, now);
        int target = entry->CachedInstance;
        if (target < 0) return OutgoingLearned(packet, ref p, ref meta, snapshot, _flows.IndexOf(entry), now);
        _flows.Touch(entry, p.TcpFlags, now);
        Counters.Increment(DataPlaneCounter.FlowHit);
        // The entry's SenderIp and Target, read from the (cache-hot) snapshot instead of the entry's cold line.
        bool v6 = p.IsV6;
        var instances = snapshot.Instances;
        return Deliver(packet, ref p, ref meta, snapshot, target, instances[entry->CachedSender].Instance(v6), instances[target].Instance(v6), entry->ForwardDelta);
    }

    /// <summary>No flow yet, or one not checked against this snapshot: a new flow, or the re-check and then the hit path.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Disposition OutgoingUnchecked(byte* packet, int length, ref ParsedPacket p, ref PacketMeta meta, RouteSnapshot snapshot, bool mayQueue,
        FlowEntry* entry, ulong forwardHash, long now)
    {
        if (entry != null && (p.TcpFlags & SynAck) == ParsedPacket.TcpSyn && FlowTable.IsClosing(entry))
        {
            // A new connection on the ports of one that closed (the kernel reuses a client port at once when the server
            // closed first): a new flow, balanced and routed afresh, with the long timeout, not the old flow's closing one.
            _flows.Remove(_flows.IndexOf(entry));
            entry = null;
        }
        if (entry != null)
        {
            switch (Recheck(ref *entry, _flows.IndexOf(entry), ref p, snapshot))
            {
                case Rechecked.Current: return Outgoing(packet, length, ref p, ref meta, snapshot, mayQueue);
                case Rechecked.SenderGone: return Disposition.Drop;
            }
        }
        return OutgoingNewFlow(packet, length, ref p, ref meta, snapshot, mayQueue, in p.Key, forwardHash, now);
    }

    private enum Rechecked : byte { Current, SenderGone, Removed }

    private const byte SynAck = ParsedPacket.TcpSyn | ParsedPacket.TcpAck;

    /// <summary>
    /// Re-validates a flow against a newer snapshot. SenderGone (flow removed, drop counted) when no local
    /// instance has the sending Namespace IP any more; Removed when another instance has it now (a new
    /// instance inherits none of the old one's flows: their replies are addressed to the old Instance IP).
    /// A flow whose instance now lives elsewhere keeps going to the peer it has been using (LearnedPeer): the open
    /// connection's state is in the placement there, which drains after a migration (make-before-break), so
    /// following the instance would only earn a reset from the new placement. If the old node no longer has
    /// it, that node forwards the packet once to the new owner. New connections go to the new owner.
    /// </summary>
    private Rechecked Recheck(ref FlowEntry entry, int flow, ref ParsedPacket p, RouteSnapshot snapshot)
    {
        int local = snapshot.FindLocalByNamespace(p.Source);
        if (local < 0)
        {
            _flows.Remove(flow);
            Drop(DataPlaneCounter.DropSpoofed);
            return Rechecked.SenderGone;
        }
        if (snapshot.Instances[local].Instance(p.IsV6) != entry.SenderIp)
        {
            _flows.Remove(flow);
            return Rechecked.Removed;
        }
        entry.CachedSender = local;
        int current = snapshot.FindInstance(entry.Target);
        int peer = entry.LearnedPeer;
        if (current < 0)
        {
            // A routed flow whose instance is gone is dropped at this packet; a learned one keeps its peer.
            if (entry.CachedInstance >= 0) entry.LearnedPeer = -1;
            entry.CachedInstance = -1;
        }
        else if (peer >= 0 && peer < snapshot.PeerCount && PeerOf(in snapshot.Instances[current]) != peer)
            entry.CachedInstance = -1; // stays with its peer (OutgoingLearned)
        else Follow(ref entry, current, snapshot);
        entry.CachedVersion = snapshot.Version;
        return Rechecked.Current;
    }

    /// <summary>Binds the flow to <paramref name="instance"/> and remembers the peer its packets now go to (-1: this node).</summary>
    private static void Follow(ref FlowEntry entry, int instance, RouteSnapshot snapshot)
    {
        entry.CachedInstance = instance;
        entry.LearnedPeer = PeerOf(in snapshot.Instances[instance]);
    }

    private static int PeerOf(in InstanceRoute route) => route.IsLocal ? -1 : route.PeerIndex;

    /// <summary>
    /// A flow bound to a peer rather than to a route: learned from a sender the routes do not know (reply to the
    /// peer it came from), or an open flow whose instance moved (see <see cref="Recheck"/>). A TCP SYN on it is a
    /// new connection reusing the ports: that one goes where the routes say now.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Disposition OutgoingLearned(byte* packet, ref ParsedPacket p, ref PacketMeta meta, RouteSnapshot snapshot, int flow, long now)
    {
        ref FlowEntry entry = ref _flows.Entry(flow);
        if ((p.TcpFlags & (ParsedPacket.TcpSyn | ParsedPacket.TcpAck)) == ParsedPacket.TcpSyn && p.Protocol == TransportProtocol.Tcp
            && snapshot.FindInstance(entry.Target) is var routed and >= 0)
        {
            Follow(ref entry, routed, snapshot);
            _flows.Touch(flow, p.TcpFlags, now);
            Counters.Increment(DataPlaneCounter.FlowHit);
            return Deliver(packet, ref p, ref meta, snapshot, routed, entry.SenderIp, entry.Target, entry.ForwardDelta);
        }
        if (entry.LearnedPeer < 0 || entry.LearnedPeer >= snapshot.PeerCount)
        {
            _flows.Remove(flow);
            return Drop(DataPlaneCounter.DropFlowTargetGone);
        }
        int peer = entry.LearnedPeer;
        _flows.Touch(flow, p.TcpFlags, now);
        Counters.Increment(DataPlaneCounter.FlowHit);
        PacketRewriter.Rewrite(packet, ref p, entry.SenderIp, entry.Target, meta.NeedsChecksum);
        return ToTunnel(ref meta, peer);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private Disposition OutgoingNewFlow(byte* packet, int length, ref ParsedPacket p, ref PacketMeta meta, RouteSnapshot snapshot, bool mayQueue,
        in FlowKey forward, ulong forwardHash, long now)
    {
        bool v6 = p.IsV6;
        int target;
        UInt128 targetIp;
        int sender = snapshot.FindLocalByNamespace(p.Source);
        if (sender < 0) return Drop(DataPlaneCounter.DropSpoofed);
        if (!snapshot.InServiceRange(p.Destination)) return Drop(DataPlaneCounter.DropNotService);
        UInt128 senderIp = snapshot.Instances[sender].Instance(v6);
        int tagged = snapshot.FindDestination(p.Destination);
        if (tagged < 0) return Miss(p.Destination, PacketSource.Tun, packet, length, ref meta, snapshot, mayQueue);
        if ((tagged & RouteSnapshot.ServiceAddressTag) != 0)
        {
            var address = snapshot.Addresses[tagged >> 1];
            target = address.Policy.Pick(address);
            if (target < 0) return Miss(p.Destination, PacketSource.Tun, packet, length, ref meta, snapshot, mayQueue);
            targetIp = snapshot.Instances[target].Instance(v6);
        }
        else
        {
            target = tagged >> 1;
            targetIp = p.Destination;
            if (targetIp == 0) return Drop(DataPlaneCounter.DropNoAddressForFamily);
        }
        // A flow to an Instance IP is recorded too: its reply key replaces an older flow's with the same
        // ports (e.g. a closed Round Robin flow from this port to the same instance), whose replies would
        // otherwise come back from that flow's Service IP and break the new connection.
        var reverse = new FlowKey(targetIp, senderIp, p.DestinationPort, p.SourcePort, p.Protocol);
        int flow = _flows.Insert(forward, forwardHash, reverse, reverse.Hash(), p.TcpFlags, now);
        ref FlowEntry entry = ref _flows.Entry(flow);
        entry.Dialled = p.Destination;
        entry.Target = targetIp;
        entry.SenderIp = senderIp;
        entry.ForwardDelta = PacketRewriter.FoldedDelta(in forward, senderIp, targetIp, v6);
        entry.ReverseDelta = PacketRewriter.FoldedDelta(in reverse, p.Destination, p.Source, v6);
        entry.CachedSender = sender;
        Follow(ref entry, target, snapshot);
        entry.CachedVersion = snapshot.Version;
        Counters.Increment(DataPlaneCounter.FlowNew);
        return Deliver(packet, ref p, ref meta, snapshot, target, senderIp, targetIp, entry.ForwardDelta);
    }

    /// <summary>
    /// Sends an outgoing packet to its target instance: through the tunnel, or (same node) back into the TUN.
    /// <paramref name="forwardDelta"/> is the flow's <see cref="FlowEntry.ForwardDelta"/> (this packet's addresses → sender and target Instance IPs).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Disposition Deliver(byte* packet, ref ParsedPacket p, ref PacketMeta meta, RouteSnapshot snapshot, int target, UInt128 senderIp, UInt128 targetIp,
        ushort forwardDelta)
    {
        ref readonly InstanceRoute route = ref snapshot.Instances[target];
        snapshot.Usage[route.ServiceIndex]++;
        if (route.IsLocal) return DeliverLocal(packet, ref p, ref meta, snapshot, target, senderIp, targetIp);
        PacketRewriter.Apply(packet, ref p, senderIp, targetIp, forwardDelta, meta.NeedsChecksum);
        return ToTunnel(ref meta, route.PeerIndex);
    }

    /// <summary>Local to local: the incoming step in the same call.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Disposition DeliverLocal(byte* packet, ref ParsedPacket p, ref PacketMeta meta, RouteSnapshot snapshot, int target,
        UInt128 senderIp, UInt128 targetIp)
    {
        UInt128 targetNamespace = snapshot.Instances[target].Namespace(p.IsV6);
        var reverse = new FlowKey(senderIp, targetIp, p.SourcePort, p.DestinationPort, p.Protocol); // as it would arrive from the tunnel
        ulong reverseHash = reverse.Hash();
        FlowEntry* flow = _flows.Lookup(reverse, reverseHash, _now, FlowKeyKind.Reverse);
        UInt128 source = ReplySource(in reverse, reverseHash, flow, p.TcpFlags, target, targetNamespace, learnedPeer: -1, snapshot);
        if (source == LearnConflict) return Drop(DataPlaneCounter.DropLearnConflict);
        PacketRewriter.Rewrite(packet, ref p, source, targetNamespace, meta.NeedsChecksum);
        Counters.Increment(DataPlaneCounter.InToTun);
        return Disposition.ToTun;
    }

    /// <summary>
    /// From the tunnel. The reply of a flow checked against this snapshot, from the peer this snapshot places
    /// the flow's target on, skips the route lookups: its source is that target, its destination the flow's
    /// sender, whose local instance the check found (a sender that changed identity loses its flows there).
    /// The peer test reads the entry's line the version test already loaded and the (cache-hot) snapshot.
    /// Everything else takes <see cref="IncomingRouted"/>.
    /// </summary>
    private Disposition Incoming(byte* packet, int length, ref ParsedPacket p, ref PacketMeta meta, RouteSnapshot snapshot, bool mayQueue)
    {
        long now = _now;
        ulong hash = p.Key.Hash();
        FlowEntry* entry = _flows.Lookup(p.Key, hash, now, FlowKeyKind.Reverse);
        if (entry == null || entry->CachedVersion != snapshot.Version || !FromPlacedPeer(entry->CachedInstance, meta.PeerIndex, snapshot))
            return IncomingRouted(packet, length, ref p, ref meta, snapshot, mayQueue, entry, hash);
        _flows.TouchReverse(entry, p.TcpFlags, now);
        PacketRewriter.Apply(packet, ref p, entry->Dialled, snapshot.Instances[entry->CachedSender].Namespace(p.IsV6), entry->ReverseDelta, meta.NeedsChecksum);
        Counters.Increment(DataPlaneCounter.InToTun);
        return Disposition.ToTun;
    }

    /// <summary>True when <paramref name="instance"/> (an index of <paramref name="snapshot"/>, or -1) lives on tunnel peer <paramref name="peer"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool FromPlacedPeer(int instance, int peer, RouteSnapshot snapshot)
        => instance >= 0 && peer >= 0 && snapshot.Instances[instance].PeerIndex == peer;

    /// <summary>The routed path from the tunnel; <paramref name="flow"/> is what the lookup of the packet's key (<paramref name="hash"/>) found.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Disposition IncomingRouted(byte* packet, int length, ref ParsedPacket p, ref PacketMeta meta, RouteSnapshot snapshot, bool mayQueue,
        FlowEntry* flow, ulong hash)
    {
        if (!snapshot.InServiceRange(p.Source)) return Drop(DataPlaneCounter.DropTunnelSourceNotService);
        int target = snapshot.FindInstance(p.Destination);
        if (target < 0) return Drop(DataPlaneCounter.DropUnknownDestination);
        switch (Believed(snapshot, p.Source, in meta, flow))
        {
            case Belief.NotOnPeer: return Drop(DataPlaneCounter.DropSourceNotOnPeer);
            case Belief.Unknown: return Miss(p.Source, PacketSource.Tunnel, packet, length, ref meta, snapshot, mayQueue);
        }
        ref readonly InstanceRoute route = ref snapshot.Instances[target];
        if (!route.IsLocal) return ForwardToMoved(ref meta, in route);
        UInt128 targetNamespace = route.Namespace(p.IsV6);
        UInt128 source = ReplySource(in p.Key, hash, flow, p.TcpFlags, target, targetNamespace, learnedPeer: meta.PeerIndex, snapshot);
        if (source == LearnConflict) return Drop(DataPlaneCounter.DropLearnConflict);
        PacketRewriter.Rewrite(packet, ref p, source, targetNamespace, meta.NeedsChecksum);
        Counters.Increment(DataPlaneCounter.InToTun);
        return Disposition.ToTun;
    }

    internal enum Belief : byte { Believed, NotOnPeer, Unknown }

    /// <summary>
    /// Whether a packet from tunnel peer <c>meta.PeerIndex</c> with inner source <paramref name="source"/> is
    /// believed (docs/DESIGN.md §4 "Tunnel format and trust"): the routes (the control plane's placement this node
    /// knows) place the source on that peer, or the packet answers a flow open with that peer
    /// (<paramref name="flow"/>, what its reverse-key lookup found: it may be bound to the peer it has been
    /// using after its instance moved), or it carries the forwarded-once mark and its source is a remote
    /// Instance IP (the node an instance left passes on what its sender still sends there). A source the routes
    /// do not know is Unknown: it waits for its route like any miss, so what the packet claims is never
    /// learned before the control plane confirms it. Everything else is NotOnPeer, also any sender that is no
    /// peer of the routes, a Service IP and this node's own Instance IPs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Belief Believed(RouteSnapshot snapshot, UInt128 source, in PacketMeta meta, FlowEntry* flow)
    {
        int peer = meta.PeerIndex;
        if ((uint)peer >= (uint)snapshot.PeerCount) return Belief.NotOnPeer;
        if (flow != null && flow->LearnedPeer == peer) return Belief.Believed;
        int tagged = snapshot.FindDestination(source);
        if (tagged < 0) return Belief.Unknown;
        if ((tagged & RouteSnapshot.ServiceAddressTag) != 0) return Belief.NotOnPeer;
        int placedOn = snapshot.Instances[tagged >> 1].PeerIndex;
        if (placedOn == peer) return Belief.Believed;
        return placedOn >= 0 && (meta.TunnelFlags & TunnelFlags.Forwarded) != 0 ? Belief.Believed : Belief.NotOnPeer;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private Disposition ForwardToMoved(ref PacketMeta meta, in InstanceRoute route)
    {
        if ((meta.TunnelFlags & TunnelFlags.Forwarded) != 0) return Drop(DataPlaneCounter.DropAlreadyForwarded);
        meta.PeerIndex = route.PeerIndex;
        meta.TunnelFlags |= TunnelFlags.Forwarded;
        Counters.Increment(DataPlaneCounter.ForwardedToMovedInstance);
        return Disposition.ToTunnel;
    }

    /// <summary>
    /// The source a packet <paramref name="reverse"/> (remote Instance IP and port → local Instance IP and port)
    /// must carry on its way into the local instance: the dialled Service IP when it answers a flow the local
    /// instance opened, else the remote Instance IP, in which case the flow is learned so the local instance's
    /// replies find their way back; <see cref="LearnConflict"/> when learning it would replace an open flow.
    /// <paramref name="flow"/> is what the lookup of <paramref name="reverse"/> as a reverse key (<paramref name="reverseHash"/>) found; <paramref name="localIndex"/> is the local instance's index in <paramref name="snapshot"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private UInt128 ReplySource(in FlowKey reverse, ulong reverseHash, FlowEntry* flow, byte tcpFlags, int localIndex, UInt128 localNamespace,
        int learnedPeer, RouteSnapshot snapshot)
    {
        long now = _now;
        if (flow == null) return Learn(in reverse, reverseHash, tcpFlags, localIndex, localNamespace, learnedPeer, snapshot, now);
        _flows.TouchReverse(flow, tcpFlags, now);
        return flow->Dialled;
    }

    /// <summary>What <see cref="ReplySource"/> returns instead of a source when it refused to learn: no Instance IP is 0.</summary>
    private static readonly UInt128 LearnConflict = UInt128.Zero;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private UInt128 Learn(in FlowKey reverse, ulong reverseHash, byte tcpFlags, int localIndex, UInt128 localNamespace, int learnedPeer,
        RouteSnapshot snapshot, long now)
    {
        UInt128 remote = reverse.Source, local = reverse.Destination;
        var forward = new FlowKey(localNamespace, remote, reverse.DestinationPort, reverse.SourcePort, reverse.Protocol);
        ulong forwardHash = forward.Hash();
        // The table would replace the open flow under this key: one datagram would take over where the local
        // instance's packets go. The open flow is re-checked at its own next packet instead.
        if (_flows.Find(forward, forwardHash, now) >= 0) return LearnConflict;
        int flow = _flows.Insert(forward, forwardHash, reverse, reverseHash, tcpFlags, now);
        ref FlowEntry entry = ref _flows.Entry(flow);
        entry.Dialled = remote;
        entry.Target = remote;
        entry.SenderIp = local;
        bool v6 = !IpKey.IsV4(remote);
        entry.ForwardDelta = PacketRewriter.FoldedDelta(in forward, local, remote, v6);
        entry.ReverseDelta = PacketRewriter.FoldedDelta(in reverse, remote, localNamespace, v6);
        entry.CachedSender = localIndex;
        entry.LearnedPeer = learnedPeer;
        entry.CachedInstance = snapshot.FindInstance(remote);
        entry.CachedVersion = snapshot.Version;
        Counters.Increment(DataPlaneCounter.FlowLearned);
        return remote;
    }

    /// <summary>Queues the packet until the routes know <paramref name="address"/> (a destination from the TUN, a source from the tunnel).</summary>
    private Disposition Miss(UInt128 address, PacketSource source, byte* packet, int length, ref PacketMeta meta, RouteSnapshot snapshot, bool mayQueue)
    {
        if (!mayQueue) return Drop(DataPlaneCounter.DropMissUnroutable);
        return _misses.Enqueue(address, source, packet, length, meta, _now, snapshot.Version);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Disposition ToTunnel(ref PacketMeta meta, int peer)
    {
        meta.PeerIndex = peer;
        meta.TunnelFlags = TunnelFlags.None;
        Counters.Increment(DataPlaneCounter.OutToTunnel);
        return Disposition.ToTunnel;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private Disposition Drop(DataPlaneCounter reason)
    {
        Counters.Increment(reason);
        return Disposition.Drop;
    }

    private static DataPlaneCounter DropReasonOf(ParseResult result) => result switch
    {
        ParseResult.Truncated => DataPlaneCounter.DropTruncated,
        ParseResult.Fragment => DataPlaneCounter.DropFragment,
        ParseResult.UnsupportedProtocol => DataPlaneCounter.DropUnsupportedProtocol,
        ParseResult.IcmpNotEcho => DataPlaneCounter.DropIcmpNotEcho,
        ParseResult.UnsupportedExtension => DataPlaneCounter.DropUnsupportedExtension,
        _ => DataPlaneCounter.DropMalformed,
    };
}
