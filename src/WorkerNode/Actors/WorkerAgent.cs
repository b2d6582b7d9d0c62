using Akka.Actor;
using Akka.Event;
using Oakestra.Actors.Contracts.Discovery;
using Oakestra.Actors.Contracts.Messaging;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.WorkerNode.Memory;
using Oakestra.Actors.WorkerNode.Ports;

namespace Oakestra.Actors.WorkerNode.Actors;

/// <summary>
/// The node agent (well-known path <c>/user/worker</c> in its site's cluster). It starts by taking over what
/// the node runs (<see cref="IInstanceHost.RestoreAsync"/>: placements of an earlier ActorSystem or worker
/// process keep running and are adopted), then registers with its site's orchestrator (again whenever a new
/// one appears), runs placements through <see cref="IInstanceHost"/>, reports every step with the placement's
/// epoch and sends a digest of what it runs every <see cref="WorkerSettings.DigestInterval"/>. Children: the
/// link to the orchestrator, the route table, the packet path.
/// </summary>
public sealed class WorkerAgent : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    public const string Name = "worker";

    private readonly WorkerSettings _settings;
    // What the placements name: the configured endpoint until the orchestrator answers with the address it knows us by.
    private string _tunnelEndpoint;
    private readonly IInstanceHost _host;
    private readonly IDataPlane _dataPlane;
    private readonly NodeMemory _memory;
    private readonly Props _linkProps;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private IActorRef _orchestrator = ActorRefs.Nobody;
    private IActorRef _routes = ActorRefs.Nobody;
    private IActorRef _packetPath = ActorRefs.Nobody;
    private bool _registered;
    private long? _peersVersion;
    private double _latitude, _longitude;
    private UpstreamSenders _upstream = null!;
    private readonly SenderRefusals _refusals = new();

    private readonly NamespaceAddresses _addresses = new();
    private readonly Dictionary<(string Instance, long Epoch), Slot> _slots = new();

    public ITimerScheduler Timers { get; set; } = null!;
    public IStash Stash { get; set; } = null!;

    public WorkerAgent(WorkerSettings settings, IInstanceHost host, IDataPlane dataPlane, Props orchestratorLink, NodeMemory? memory = null)
    {
        _settings = settings;
        _tunnelEndpoint = settings.TunnelEndpoint;
        _host = host;
        _dataPlane = dataPlane;
        _memory = memory ?? NodeMemory.InProcess();
        _linkProps = orchestratorLink;
        _latitude = settings.Latitude;
        _longitude = settings.Longitude;

        Receive<Restored>(OnRestored);
        Trust();
        ReceiveAny(_ => Stash.Stash());
    }

    public static Props Props(WorkerSettings settings, IInstanceHost host, IDataPlane dataPlane, Props orchestratorLink, NodeMemory? memory = null) =>
        Akka.Actor.Props.Create(() => new WorkerAgent(settings, host, dataPlane, orchestratorLink, memory));

    protected override void PreStart()
    {
        _upstream = UpstreamSenders.Of(Self.Path.Address);
        _orchestrator = Context.ActorOf(_linkProps, "orchestrator-link");
        _packetPath = Context.ActorOf(PacketPathActor.Props(_settings, _dataPlane, _memory), "packet-path");
        _routes = Context.ActorOf(RouteTableActor.Props(_settings, _orchestrator, _packetPath, _memory), "routes");
        var self = Self;
        _host.RestoreAsync(exit => self.Tell(exit), CancellationToken.None).PipeTo(self,
            success: r => new Restored(r, null),
            failure: e => new Restored(NodeRestore.Nothing, e.GetBaseException().Message));
    }

    private string Site => _settings.Site;
    private string Node => _settings.Node;

    // ---- taking over what the node runs ----

    private void OnRestored(Restored msg)
    {
        if (msg.Error is not null) _log.Error("taking over the node's placements failed: {0}; starting without them", msg.Error);
        if (msg.Restore.Subnets is { } subnets) _addresses.Assign(subnets);
        foreach (var p in msg.Restore.Placements)
        {
            var offset = _addresses.Reserve(p.NamespaceV4);
            _slots[(p.Launch.InstanceId, p.Launch.Epoch)] = new Slot(p.Launch, p.NamespaceV4, p.NamespaceV6, offset)
                { State = SlotState.Running, NetworkNamespace = p.NetworkNamespace, ProcessId = p.ProcessId };
        }
        if (_slots.Count > 0) _log.Info("worker {0} took over {1} running placements", Node, _slots.Count);
        Become(Ready);
        Stash.UnstashAll();
        PublishLocal();
        Timers.StartPeriodicTimer("retry", RetryTick.Instance, _settings.RetryInterval);
        Timers.StartPeriodicTimer("digest", DigestTick.Instance, _settings.DigestInterval);
        Register();
    }

    /// <summary>Who may send what only the orchestrator sends; the route table hears the same (it takes deltas directly).</summary>
    private void Trust()
    {
        Receive<UpstreamAdded>(m => { _upstream = _upstream.With(m.Address); _routes.Forward(m); });
        Receive<UpstreamLost>(m => { _upstream = _upstream.Without(m.Address); _routes.Forward(m); });
    }

    /// <summary>A handler for what only this node's orchestrator (or this node's own actors) may send.</summary>
    private void FromOrchestrator<T>(Action<T> handler) => Receive<T>(m =>
    {
        if (_upstream.Allows(Sender)) handler(m);
        else _refusals.Refuse(m!, Sender, $"only the orchestrator of site {Site} sends it", _log);
    });

    private void Ready()
    {
        Trust();
        Receive<UpstreamAvailable>(_ => { _registered = false; Register(); });
        Receive<UseUpstream>(m => _orchestrator.Forward(m));
        Receive<RetryTick>(_ => { if (!_registered) Register(); });
        Receive<DigestTick>(_ => SendDigest());
        FromOrchestrator<WorkerSubnetsAssigned>(OnSubnets);
        FromOrchestrator<WorkerRegistrationRefused>(m => _log.Warning("registration of {0} refused: {1}", m.Node, m.Reason));
        FromOrchestrator<SitePeersSnapshot>(m => _packetPath.Forward(m));
        FromOrchestrator<SitePeersChanged>(m => _packetPath.Forward(m));
        Receive<PeersHeld>(OnPeersHeld);
        FromOrchestrator<UpdateWorkerLocation>(m => { _latitude = m.Latitude; _longitude = m.Longitude; _packetPath.Forward(m); });
        Receive<TableMisses>(m => _routes.Forward(m));
        Receive<TableUsage>(m => _routes.Forward(m));
        // Snapshots an orchestrator sends after comparing our digest (it knows this actor, not the route table).
        FromOrchestrator<ServiceRoutesSnapshot>(m => _routes.Forward(m));
        FromOrchestrator<ServiceDelta>(m => _routes.Forward(m));
        Receive<QueryNodeTable>(m => _packetPath.Forward(m)); // the packet path holds what the data plane was given

        FromOrchestrator<StartInstance>(OnStart);
        Receive<HostStarted>(OnHostStarted);
        Receive<HostFailed>(OnHostFailed);
        FromOrchestrator<StopInstance>(OnStop);
        Receive<DrainElapsed>(m => { if (_slots.TryGetValue(m.Key, out var s) && s.State == SlotState.Draining) BeginStop(m.Key, s); });
        Receive<HostStopped>(OnHostStopped);
        FromOrchestrator<StaleEpoch>(OnStaleEpoch);
        Receive<InstanceExit>(OnExit);
        FromOrchestrator<ReadInstanceLog>(OnReadLog);
    }

    /// <summary>`oak logs`: one chunk of an instance's output, read off the actor's thread and answered to the asker.</summary>
    private void OnReadLog(ReadInstanceLog msg)
    {
        if (msg.Node != Node)
        {
            Sender.Tell(new InstanceLogUnavailable(msg.InstanceId, $"this is node {Node}, not {msg.Node}"));
            return;
        }
        var running = _slots.Keys.Any(k => k.Instance == msg.InstanceId);
        var where = Node;
        _host.ReadLogAsync(msg.InstanceId, msg.Offset, msg.TailLines, Math.Clamp(msg.MaxBytes, 1, ReadInstanceLog.MaxChunkBytes), CancellationToken.None)
            .PipeTo(Sender,
                success: c => c is null ? new InstanceLogUnavailable(msg.InstanceId, $"node {where} has no log of {msg.InstanceId}") : c with { Running = running },
                failure: e => new InstanceLogUnavailable(msg.InstanceId, $"reading the log of {msg.InstanceId} on {where} failed: {e.GetBaseException().Message}"));
    }

    // ---- registration and digests ----

    private void Register() =>
        _orchestrator.Tell(new RegisterWorker(Site, Node, _settings.TunnelEndpoint, _latitude, _longitude, Self,
            _addresses.Subnets?.V4, _addresses.Subnets?.V6, _settings.TunnelPublicKey, _settings.TunnelSalt), Self);

    private void OnSubnets(WorkerSubnetsAssigned msg)
    {
        if (msg.Node != Node) return;
        if (msg.TunnelEndpoint is { } endpoint && endpoint != _tunnelEndpoint)
        {
            _log.Info("worker {0} is known to its site by the tunnel endpoint {1} (configured: {2})", Node, endpoint, _settings.TunnelEndpoint);
            _tunnelEndpoint = endpoint;
        }
        var subnets = new NodeSubnets(Node, msg.SubnetV4, msg.SubnetV6);
        if (_addresses.Subnets is { } old && old != subnets)
            _log.Warning("subnets of {0} changed from {1} to {2}; running placements keep their addresses", Node, old.V4, subnets.V4);
        _addresses.Assign(subnets);
        // Idempotent on the host: also re-applies routes into a TUN the data plane re-created after a restart.
        if (!_registered)
            _host.PrepareNodeAsync(subnets, CancellationToken.None).ContinueWith(t =>
            {
                if (t.IsFaulted) _log.Error(t.Exception, "preparing node {0} failed", Node);
            }, TaskScheduler.Default);
        if (_registered) return;
        _registered = true;
        _log.Info("worker {0} registered with site {1}: {2} {3}", Node, Site, msg.SubnetV4, msg.SubnetV6);
        // The orchestrator may be a new one: tell it what runs here and what we are interested in.
        foreach (var (key, slot) in _slots)
            if (slot.State is SlotState.Starting or SlotState.Running or SlotState.Draining) Report(key, slot, ReportedStatus(slot));
        _routes.Tell(ResyncInterests.Instance);
        SendDigest();
    }

    /// <summary>What runs here (and drains), for the orchestrator's anti-entropy; the route table adds its service versions.</summary>
    private void SendDigest()
    {
        if (!_registered) return;
        var placements = _slots
            .Where(s => s.Value.State is SlotState.Starting or SlotState.Running or SlotState.Draining)
            .Select(s => new PlacementDigest(s.Key.Instance, s.Key.Epoch, Node, ReportedStatus(s.Value), PlacementOf(s.Key, s.Value),
                s.Value.State == SlotState.Draining, s.Value.ProcessId))
            .ToArray();
        _routes.Tell(new ComposeDigest(Site, Node, Self, placements, _peersVersion));
    }

    private void OnPeersHeld(PeersHeld msg)
    {
        if (!Sender.Equals(_packetPath)) return;
        _peersVersion = msg.Version;
        if (msg.NeedSnapshot) _orchestrator.Tell(new RequestSitePeers(Site, Node, Self, msg.Version), Self);
    }

    // ---- instance lifecycle ----

    private void OnStart(StartInstance msg)
    {
        var launch = msg.Launch;
        var key = (launch.InstanceId, launch.Epoch);
        if (_slots.TryGetValue(key, out var existing)) { Report(key, existing, ReportedStatus(existing)); return; }
        if (_slots.Keys.Any(k => k.Instance == launch.InstanceId && k.Epoch > launch.Epoch))
        {
            _log.Warning("ignoring start of {0} epoch {1}: a newer epoch runs here", launch.InstanceId, launch.Epoch);
            return;
        }
        var allocated = _addresses.Allocate();
        if (allocated is not { } a)
        {
            var why = _addresses.Subnets is null ? "node has no subnets yet" : "node subnet is full";
            _orchestrator.Tell(new InstanceStatusReport(launch.InstanceId, launch.Epoch, InstanceStatus.Failed, null, why), Self);
            return;
        }
        var slot = new Slot(launch, a.V4, a.V6, a.Offset);
        _slots[key] = slot;
        Report(key, slot, InstanceStatus.Starting);

        var self = Self;
        var setup = new InstanceSetup(launch, _addresses.Subnets!, a.V4, a.V6);
        _host.StartAsync(setup, exit => self.Tell(exit), CancellationToken.None).PipeTo(self,
            success: started => new HostStarted(key, started),
            failure: e => new HostFailed(key, e.GetBaseException().Message));
    }

    private void OnHostStarted(HostStarted msg)
    {
        if (!_slots.TryGetValue(msg.Key, out var slot)) { _host.StopAsync(msg.Key.Instance, msg.Key.Epoch, CancellationToken.None); return; }
        slot.NetworkNamespace = msg.Started.NetworkNamespace;
        slot.ProcessId = msg.Started.ProcessId;
        if (msg.Started.NamespaceV4 is { } v4) slot.NamespaceV4 = v4;
        if (msg.Started.NamespaceV6 is { } v6) slot.NamespaceV6 = v6;
        if (slot.StopRequested) { BeginStop(msg.Key, slot); return; }
        slot.State = SlotState.Running;
        Report(msg.Key, slot, InstanceStatus.Running);
        PublishLocal();
    }

    private void OnHostFailed(HostFailed msg)
    {
        if (!_slots.Remove(msg.Key, out var slot)) return;
        _addresses.Free(slot.Offset);
        Report(msg.Key, slot, InstanceStatus.Failed, msg.Reason);
        PublishLocal();
    }

    /// <summary>Stops this epoch (and any older one still here); with a drain time, open flows finish first.</summary>
    private void OnStop(StopInstance msg)
    {
        foreach (var (key, slot) in _slots.Where(s => s.Key.Instance == msg.InstanceId && s.Key.Epoch <= msg.Epoch).ToArray())
        {
            switch (slot.State)
            {
                case SlotState.Starting:
                    slot.StopRequested = true;
                    break;
                case SlotState.Running when msg.Drain > TimeSpan.Zero:
                    slot.State = SlotState.Draining;
                    Timers.StartSingleTimer(("drain", key), new DrainElapsed(key), msg.Drain);
                    PublishLocal();
                    break;
                case SlotState.Running:
                case SlotState.Draining when msg.Drain <= TimeSpan.Zero:
                    BeginStop(key, slot);
                    break;
            }
        }
    }

    /// <summary>The root refused a report: another placement owns the Instance IP now. Stop ours, silently.</summary>
    private void OnStaleEpoch(StaleEpoch msg)
    {
        var key = (msg.InstanceId, msg.ReportedEpoch);
        if (!_slots.TryGetValue(key, out var slot)) return;
        _log.Warning("{0} epoch {1} is stale (current {2}): stopping it", msg.InstanceId, msg.ReportedEpoch, msg.CurrentEpoch);
        slot.Silent = true;
        if (slot.State == SlotState.Starting) slot.StopRequested = true;
        else if (slot.State != SlotState.Stopping) BeginStop(key, slot);
    }

    private void BeginStop((string, long) key, Slot slot)
    {
        slot.State = SlotState.Stopping;
        PublishLocal();
        var self = Self;
        _host.StopAsync(key.Item1, key.Item2, CancellationToken.None).PipeTo(self,
            success: () => new HostStopped(key, null),
            failure: e => new HostStopped(key, e.GetBaseException().Message));
    }

    private void OnHostStopped(HostStopped msg)
    {
        if (!_slots.Remove(msg.Key, out var slot)) return;
        _addresses.Free(slot.Offset);
        if (!slot.Silent) Report(msg.Key, slot, InstanceStatus.Stopped, msg.Error);
        PublishLocal();
    }

    private void OnExit(InstanceExit exit)
    {
        var key = (exit.InstanceId, exit.Epoch);
        if (!_slots.TryGetValue(key, out var slot) || slot.State == SlotState.Stopping) return;
        _slots.Remove(key);
        _addresses.Free(slot.Offset);
        _host.StopAsync(exit.InstanceId, exit.Epoch, CancellationToken.None); // removes the namespace
        if (!slot.Silent) Report(key, slot, InstanceStatus.Failed, $"exited ({exit.ExitCode?.ToString() ?? "?"}): {exit.Reason}", exit.ExitCode);
        PublishLocal();
    }

    private static InstanceStatus ReportedStatus(Slot slot) =>
        slot.State == SlotState.Starting ? InstanceStatus.Starting : InstanceStatus.Running;

    private Placement PlacementOf((string Instance, long Epoch) key, Slot slot) =>
        new(Site, Node, slot.NamespaceV4, slot.NamespaceV6, _tunnelEndpoint, key.Epoch, slot.NetworkNamespace,
            _settings.TunnelPublicKey, _settings.TunnelSalt);

    private void Report((string Instance, long Epoch) key, Slot slot, InstanceStatus status, string? detail = null, int? exitCode = null) =>
        _orchestrator.Tell(new InstanceStatusReport(key.Instance, key.Epoch, status, PlacementOf(key, slot), detail, exitCode), Self);

    private void PublishLocal()
    {
        var local = _slots.Values
            .Where(s => s.State is SlotState.Running or SlotState.Draining)
            .OrderBy(s => s.Launch.InstanceId, StringComparer.Ordinal).ThenBy(s => s.Launch.Epoch)
            .Select(s => new LocalInstanceEntry(s.Launch.InstanceId, s.Launch.ServiceId, s.Launch.InstanceV4, s.Launch.InstanceV6,
                s.NamespaceV4, s.NamespaceV6, s.Launch.Epoch, s.State == SlotState.Draining))
            .ToArray();
        var changed = new LocalInstancesChanged(local);
        _routes.Tell(changed);
        _packetPath.Tell(changed);
    }

    private enum SlotState { Starting, Running, Draining, Stopping }

    private sealed class Slot(InstanceLaunch launch, Contracts.Addressing.Ipv4Address v4, Contracts.Addressing.Ipv6Address v6, ulong offset)
    {
        public InstanceLaunch Launch { get; } = launch;
        // The host may choose the addresses itself (the namespace runtime does); then its choice wins.
        public Contracts.Addressing.Ipv4Address NamespaceV4 { get; set; } = v4;
        public Contracts.Addressing.Ipv6Address NamespaceV6 { get; set; } = v6;
        public ulong Offset { get; } = offset;
        public SlotState State { get; set; } = SlotState.Starting;
        public string? NetworkNamespace { get; set; }
        public int? ProcessId { get; set; }
        public bool StopRequested { get; set; }
        public bool Silent { get; set; }
    }

    private sealed record Restored(NodeRestore Restore, string? Error);
    private sealed record HostStarted((string Instance, long Epoch) Key, StartedInstance Started);
    private sealed record HostFailed((string Instance, long Epoch) Key, string Reason);
    private sealed record HostStopped((string Instance, long Epoch) Key, string? Error);
    private sealed record DrainElapsed((string Instance, long Epoch) Key);
    private sealed class RetryTick { public static readonly RetryTick Instance = new(); }
    private sealed class DigestTick { public static readonly DigestTick Instance = new(); }
}
