using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.WorkerNode.NodeNetwork;
using Oakestra.Actors.WorkerNode.Ports;
using Oakestra.Actors.WorkerNode.Runtime;
using Oakestra.Actors.WorkerNode.Shell;
using Oakestra.Actors.WorkerNode.Runtime.Containers;
using RuntimeLaunch = Oakestra.Actors.WorkerNode.Runtime.InstanceLaunch;
using RuntimeStatus = Oakestra.Actors.WorkerNode.Runtime.InstanceStatus;
using RuntimeReport = Oakestra.Actors.WorkerNode.Runtime.InstanceStatusReport;

namespace Oakestra.Actors.WorkerNode.Adapters;

/// <summary>
/// <see cref="IInstanceHost"/> over the namespace runtime: the node bridge and service routes once the
/// subnets are known, then one network namespace and process per placement. The runtime picks the
/// Namespace IPs (its slot allocator also names the veth), so the addresses it chose are handed back in
/// <see cref="StartedInstance"/> and the worker reports those.
/// </summary>
public sealed class NamespaceInstanceHost : IInstanceHost, IAsyncDisposable
{
    private readonly NodeHostOptions _options;
    private readonly NodeShell _shell;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _prepare = new(1, 1);
    private readonly ConcurrentDictionary<(string Instance, long Epoch), Pending> _placements = new();
    // The log file of every instance started or adopted here, kept after it ends: `oak logs` of a failed instance.
    private readonly ConcurrentDictionary<string, string> _logPaths = new(StringComparer.Ordinal);
    private InstanceRuntime? _runtime;
    private NodeNetworkSetup? _network;
    private NodeSubnets? _subnets;
    private int _disposed;
    // Placements can arrive while the node is still being prepared (bridge, routes, leftover cleanup).
    private readonly TaskCompletionSource _prepared = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public NamespaceInstanceHost(NodeHostOptions options, NodeShell shell, ILogger<NamespaceInstanceHost> log)
    {
        _options = options;
        _shell = shell;
        _log = log;
    }

    /// <summary>The runtime, once the node has subnets (for `oak exec` and tests).</summary>
    public IInstanceRuntime? Runtime => _runtime;

    public async Task PrepareNodeAsync(NodeSubnets subnets, CancellationToken ct)
    {
        await _prepare.WaitAsync(ct);
        try
        {
            if (_subnets is not null && _subnets != subnets)
                throw new InvalidOperationException($"node {subnets.Node} was given {subnets.V4} + {subnets.V6} but already runs on {_subnets.V4} + {_subnets.V6}");
            // Idempotent: re-run after every registration, so routes lost with a re-created TUN come back.
            await SetUpNetworkAsync(subnets, ct);
            if (_runtime is null)
            {
                // Nothing was adopted (RestoreAsync came first): what an earlier run left is removed.
                var runtime = CreateRuntime(subnets);
                LogLeftovers(await runtime.ResetAsync(ct));
                _runtime = runtime;
                _subnets = subnets;
            }
            _prepared.TrySetResult();
        }
        finally
        {
            _prepare.Release();
        }
    }

    public async Task<StartedInstance> StartAsync(InstanceSetup setup, Action<InstanceExit> onExit, CancellationToken ct)
    {
        try { await _prepared.Task.WaitAsync(_options.PrepareTimeout, ct); }
        catch (TimeoutException) { throw new InvalidOperationException($"the node's network was not ready within {_options.PrepareTimeout.TotalSeconds:0}s"); }
        var runtime = _runtime!;
        var l = setup.Launch;
        // Migrating back to a node where an older placement still drains: the runtime holds one placement per
        // instance, so the old one stops now (its open flows end) and the new epoch starts.
        foreach (var older in runtime.Instances.Where(i => i.Launch.InstanceId == l.InstanceId && i.Launch.Epoch != l.Epoch).ToArray())
        {
            if (_placements.TryRemove((l.InstanceId, older.Launch.Epoch), out var old)) old.Stopping = true;
            await runtime.StopAsync(l.InstanceId, ct);
        }
        var pending = new Pending(onExit);
        _placements[(l.InstanceId, l.Epoch)] = pending;
        try
        {
            var info = await runtime.StartAsync(RuntimeLaunchOf(l), ct);
            _logPaths[l.InstanceId] = info.LogPath;
            // Running is reported by the runtime only when the process is alive (and its port answers, if given).
            var (status, detail) = await pending.FirstOutcome.Task.WaitAsync(ct);
            if (status != RuntimeStatus.Running) throw new InvalidOperationException(detail ?? $"instance {l.InstanceId} did not start");
            return new StartedInstance(info.NetworkNamespace)
            {
                NamespaceV4 = Ipv4Address.From(info.NamespaceIpv4),
                NamespaceV6 = Ipv6Address.From(info.NamespaceIpv6),
            };
        }
        catch
        {
            _placements.TryRemove((l.InstanceId, l.Epoch), out _);
            throw;
        }
    }

    public async Task StopAsync(string instanceId, long epoch, CancellationToken ct)
    {
        if (!_placements.TryRemove((instanceId, epoch), out var pending)) return;
        pending.Stopping = true;
        if (_runtime is { } runtime && runtime.Instances.Any(i => i.Launch.InstanceId == instanceId && i.Launch.Epoch == epoch))
            await runtime.StopAsync(instanceId, ct);
    }

    /// <summary>Read through the runtime's log path of the instance (the running one's, else the last one started here).</summary>
    public Task<Contracts.Protocol.InstanceLogChunk?> ReadLogAsync(string instanceId, long offset, int? tailLines, int maxBytes, CancellationToken ct)
    {
        var path = _runtime?.Instances.FirstOrDefault(i => i.Launch.InstanceId == instanceId)?.LogPath
                   ?? (_logPaths.TryGetValue(instanceId, out var known) ? known : null);
        if (path is null) return Task.FromResult<Contracts.Protocol.InstanceLogChunk?>(null);
        return Task.Run<Contracts.Protocol.InstanceLogChunk?>(() => InstanceLogReader.Read(instanceId, path, offset, tailLines, maxBytes), ct);
    }

    private void OnStatus(RuntimeReport report)
    {
        if (!_placements.TryGetValue((report.InstanceId, report.Epoch), out var pending)) return;
        switch (report.Status)
        {
            case RuntimeStatus.Running:
                pending.FirstOutcome.TrySetResult((RuntimeStatus.Running, null));
                break;
            case RuntimeStatus.Failed:
                var why = report.Detail ?? "failed";
                if (report.LogTail.Count > 0) why += ": " + string.Join(" | ", report.LogTail.TakeLast(3));
                // Before Running, the failure is the start's answer; after it, an unexpected exit.
                if (!pending.FirstOutcome.TrySetResult((RuntimeStatus.Failed, why)) && !pending.Stopping)
                {
                    _placements.TryRemove((report.InstanceId, report.Epoch), out _);
                    pending.OnExit(new InstanceExit(report.InstanceId, report.Epoch, report.ExitCode, why));
                }
                break;
            case RuntimeStatus.Stopped when !pending.Stopping:
                pending.FirstOutcome.TrySetResult((RuntimeStatus.Stopped, "stopped before it ran"));
                break;
        }
    }

    private Task SetUpNetworkAsync(NodeSubnets subnets, CancellationToken ct)
    {
        _network ??= new NodeNetworkSetup(new NodeNetworkOptions(NodeSubnetOf(subnets)) { TunName = _options.TunName, BridgeName = _options.BridgeName }, _shell);
        return _network.SetUpAsync(ct);
    }

    private static NodeSubnet NodeSubnetOf(NodeSubnets subnets) => new(
        new IPNetwork(subnets.V4.Network.ToIPAddress(), subnets.V4.Length),
        new IPNetwork(subnets.V6.Network.ToIPAddress(), subnets.V6.Length));

    private InstanceRuntime CreateRuntime(NodeSubnets subnets)
    {
        var runtime = new InstanceRuntime(new InstanceRuntimeOptions(subnets.Node, NodeSubnetOf(subnets), _options.StateDirectory)
        {
            BridgeName = _options.BridgeName,
            NamespacePrefix = _options.NamespacePrefix,
            NetnsMountNamespace = _options.NetnsMountNamespace,
            Mtu = _options.Mtu,
            Containerd = _options.Containerd,
            Sandbox = _options.Sandbox,
            LogDirectory = _options.LogDirectory,
            LogMaxBytes = _options.LogMaxBytes,
        }, _shell);
        runtime.StatusChanged += OnStatus;
        runtime.Warning += message => _log.LogWarning("{Warning}", message);
        return runtime;
    }

    private void LogLeftovers(LeftoverCleanup leftovers)
    {
        if (leftovers.Namespaces.Count + leftovers.Veths.Count + leftovers.ProcessesKilled > 0)
            _log.LogWarning("removed leftovers of an earlier run: {Namespaces} namespaces, {Veths} veths, {Processes} processes",
                leftovers.Namespaces.Count, leftovers.Veths.Count, leftovers.ProcessesKilled);
    }

    /// <summary>
    /// What this node runs when a new WorkerAgent starts. In a new worker process: the instances the node state
    /// file records and the kernel still runs are adopted (the rest is cleaned up). In the same process (a new
    /// ActorSystem): what the runtime already runs. Exits now go to <paramref name="onExit"/>.
    /// </summary>
    public async Task<NodeRestore> RestoreAsync(Action<InstanceExit> onExit, CancellationToken ct)
    {
        if (_runtime is null) return await AdoptAsync(onExit, ct);
        return Rebind(onExit);
    }

    private async Task<NodeRestore> AdoptAsync(Action<InstanceExit> onExit, CancellationToken ct)
    {
        await _prepare.WaitAsync(ct);
        try
        {
            if (_runtime is not null) return Rebind(onExit);
            if (NodeState.Read(_options.StateDirectory) is not { } state) return NodeRestore.Nothing;
            var subnets = new NodeSubnets(state.Node, Ipv4Prefix.Parse(state.SubnetV4), Ipv6Prefix.Parse(state.SubnetV6));
            var runtime = CreateRuntime(subnets);
            var adoption = await runtime.AdoptAsync(ct);
            LogLeftovers(adoption.Cleanup);
            foreach (var info in adoption.Adopted)
            {
                _logPaths[info.Launch.InstanceId] = info.LogPath;
                var pending = new Pending(onExit);
                pending.FirstOutcome.TrySetResult((RuntimeStatus.Running, null));
                _placements[(info.Launch.InstanceId, info.Launch.Epoch)] = pending;
            }
            _runtime = runtime;
            _subnets = subnets;
            // The routes into the TUN died with the earlier process's TUN: restore them from the recorded subnets now,
            // not when the site answers our registration (seconds later, or never while the orchestrator is away),
            // so adopted instances are reachable as soon as the loop runs with the remembered table.
            if (adoption.Adopted.Count > 0)
            {
                await SetUpNetworkAsync(subnets, ct);
                _prepared.TrySetResult();
            }
            // An instance that ended between adoption and now reported to nobody: it is not restored, so the
            // orchestrator's reconciliation places it again.
            var placements = runtime.Instances.Where(i => _placements.ContainsKey((i.Launch.InstanceId, i.Launch.Epoch))).Select(Restored).ToList();
            _log.LogInformation("adopted {Adopted} running instances of an earlier worker process; {Gone} recorded instances were gone",
                placements.Count, adoption.Gone.Count);
            return new NodeRestore(subnets, placements);
        }
        finally { _prepare.Release(); }
    }

    private NodeRestore Rebind(Action<InstanceExit> onExit)
    {
        if (_runtime is not { } runtime || _subnets is not { } subnets) return NodeRestore.Nothing;
        var placements = new List<RestoredPlacement>();
        foreach (var info in runtime.Instances)
        {
            var key = (info.Launch.InstanceId, info.Launch.Epoch);
            if (!_placements.TryGetValue(key, out var old)) continue;
            var rebound = new Pending(onExit);
            rebound.FirstOutcome.TrySetResult((RuntimeStatus.Running, null));
            _placements[key] = rebound;
            placements.Add(Restored(info));
        }
        return new NodeRestore(subnets, placements);
    }

    /// <summary>The SLA's <c>environment</c> entries become variables; a container launch names its image and command.</summary>
    internal static RuntimeLaunch RuntimeLaunchOf(Contracts.Protocol.InstanceLaunch l) =>
        new(l.ServiceId, l.InstanceId, l.Number, l.Epoch, l.Code, l.InstanceV4.ToIPAddress(), l.InstanceV6.ToIPAddress(), l.Port)
        {
            Environment = l.Environment is { Count: > 0 } variables
                ? variables.Select(v => v.Split('=', 2)).GroupBy(kv => kv[0]).ToDictionary(g => g.Key, g => g.Last().ElementAtOrDefault(1) ?? "")
                : null,
            Container = l.Virtualization == ContainerVirtualization ? new ContainerSpec(l.Code, l.Command, l.Limits?.MemoryBytes, l.Limits?.Vcpus) : null,
            Limits = l.Limits,
        };

    public const string ContainerVirtualization = "container";

    private static RestoredPlacement Restored(InstanceInfo info)
    {
        var l = info.Launch;
        return new RestoredPlacement(
            new Contracts.Protocol.InstanceLaunch(l.InstanceId, l.ServiceId, l.InstanceNumber, Ipv4Address.From(l.InstanceIpv4!), Ipv6Address.From(l.InstanceIpv6!), l.Code, l.ReadinessPort, l.Epoch,
                l.Container is null ? "process" : ContainerVirtualization, l.Container?.Command,
                l.Environment?.Select(kv => $"{kv.Key}={kv.Value}").ToList(), l.Limits),
            Ipv4Address.From(info.NamespaceIpv4), Ipv6Address.From(info.NamespaceIpv6), info.NetworkNamespace, info.ProcessId);
    }

    public async ValueTask DisposeAsync()
    {
        // Registered as itself and as IInstanceHost: the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        if (_options.KeepInstancesOnExit)
        {
            // A stopped worker (an upgrade, `systemctl restart`) is a restarted worker: what it runs keeps running and
            // answering on the node's bridge, and the next start adopts it from the state file, as after kill -9.
            // The TUN and its routes end with this process; the next start puts them back.
            var kept = _runtime?.Instances.Count ?? 0;
            if (kept > 0)
                _log.LogInformation("{Count} instances keep running in their namespaces; the next start of this worker adopts them (`oak drain` empties a node)", kept);
            return;
        }
        if (_runtime is { } runtime) await runtime.DisposeAsync();
        if (_network is { } network)
        {
            try { await network.TearDownAsync(CancellationToken.None); }
            catch (Exception e) { _log.LogWarning(e, "node network teardown failed"); }
        }
    }

    private sealed class Pending(Action<InstanceExit> onExit)
    {
        public Action<InstanceExit> OnExit { get; } = onExit;
        public TaskCompletionSource<(RuntimeStatus Status, string? Detail)> FirstOutcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public volatile bool Stopping;
    }
}

/// <summary>Node-level settings of the namespace host (from Oak:Node:*).</summary>
public sealed record NodeHostOptions(string StateDirectory)
{
    public string TunName { get; init; } = "oak0";
    public string BridgeName { get; init; } = "oak-br0";
    public string? NamespacePrefix { get; init; }
    public string? NetnsMountNamespace { get; init; }
    public int Mtu { get; init; } = InstanceRuntimeOptions.DefaultMtu;
    public ContainerdOptions Containerd { get; init; } = new();
    public TimeSpan PrepareTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How process instances are confined (Oak:Node:Sandbox:*).</summary>
    public Runtime.Sandbox.SandboxOptions Sandbox { get; init; } = new();

    /// <summary>Instance logs (Oak:Node:LogDir); null: &lt;StateDirectory&gt;/instances.</summary>
    public string? LogDirectory { get; init; }

    public long LogMaxBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>
    /// What the end of the worker process does to its instances: keep them (the worker process sets this from
    /// Oak:Node:OnExit, default keep) or stop them and remove the node's bridge (tests, which own what they start).
    /// </summary>
    public bool KeepInstancesOnExit { get; init; }
}
