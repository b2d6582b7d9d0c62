using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Oakestra.Actors.WorkerNode.NodeNetwork;
using Oakestra.Actors.WorkerNode.Runtime.Containers;
using Oakestra.Actors.WorkerNode.Runtime.Sandbox;
using Oakestra.Actors.WorkerNode.Shell;

namespace Oakestra.Actors.WorkerNode.Runtime;

/// <summary>
/// The real instance runtime: one named network namespace per instance, a veth pair into the node bridge,
/// the instance's Namespace IPs and default routes, and the SLA code run by <c>/bin/sh -c</c> inside it, sandboxed
/// (unprivileged, own mount/PID/UTS namespaces, cgroup limits, own environment) unless the options say otherwise.
/// </summary>
public sealed class InstanceRuntime : IInstanceRuntime, IAsyncDisposable
{
    // $1 = log file, $2 = netns, $3 = code. Redirecting first means even "netns not found" lands in the log.
    // setsid (the shell is no process group leader, so it does not fork) gives the instance a session of its
    // own, as a container shim does: a signal to the worker's group or session does not reach it, and it
    // outlives a crashed worker, whose successor adopts it. `ip netns exec` execs too, so the process we
    // watch is the instance's shell/program itself, under the pid the node state file records.
    private const string LaunchScript = "exec </dev/null >>\"$1\" 2>&1; exec setsid ip netns exec \"$2\" /bin/sh -c \"$3\"";

    private readonly InstanceRuntimeOptions _options;
    private readonly NodeShell _shell;
    private readonly NetnsCommands _netns;
    private readonly NamespaceAddressAllocator _allocator;
    private readonly Dictionary<string, InstanceEntry> _entries = [];
    private readonly Lock _gate = new();
    private readonly Lock _stateGate = new();
    private readonly SpoofGuard? _guard;
    private readonly CgroupLayout? _cgroups;
    private readonly Timer _logTimer;
    private int _noCgroupWarned;

    public InstanceRuntime(InstanceRuntimeOptions options, NodeShell shell)
    {
        options.Validate();
        _options = options;
        _shell = shell;
        _netns = new NetnsCommands(shell.InWorkerMounts, options.NetnsMountNamespace);
        _allocator = new NamespaceAddressAllocator(options.Subnet);
        if (options.SpoofGuardTable is { } table)
        {
            _guard = new SpoofGuard(shell.InNode, table, options.VethPrefix, Path.GetFullPath(options.StateDirectory));
            _guard.Unavailable += message => Warn(message);
        }
        if (options.Sandbox.Enabled) _cgroups = CgroupLayout.Detect(options.Sandbox.CgroupRoot, options.Sandbox.CgroupParent);
        _logTimer = new Timer(_ => RotateLogs(), null, options.LogCheckInterval, options.LogCheckInterval);
    }

    public event Action<InstanceStatusReport>? StatusChanged;

    /// <summary>Something the operator should know that is no instance's status (nft missing, no cgroup controllers).</summary>
    public event Action<string>? Warning;

    public InstanceRuntimeOptions Options => _options;

    public int FreeAddresses => _allocator.Available;

    public IReadOnlyCollection<InstanceInfo> Instances
    {
        get { lock (_gate) return _entries.Values.Select(e => e.Info).ToList(); }
    }

    public async Task<InstanceInfo> StartAsync(InstanceLaunch launch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(launch);
        InstanceEntry entry;
        lock (_gate)
        {
            if (_entries.TryGetValue(launch.InstanceId, out var existing))
            {
                if (existing.Launch.Epoch == launch.Epoch) return existing.Info;
                throw new InvalidOperationException(
                    $"instance {launch.InstanceId} is still present with epoch {existing.Launch.Epoch}; stop it before starting epoch {launch.Epoch}");
            }
            var lease = _allocator.Allocate();
            entry = new InstanceEntry(launch, lease, _options.NamespaceName(lease.Slot), _options.VethName(lease.Slot), LogPathFor(launch),
                sandboxed: _options.Sandbox.Enabled && launch.Container is null);
            _entries.Add(launch.InstanceId, entry);
        }
        Report(entry, InstanceStatus.Starting, null, null, []);

        await entry.Lifecycle.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(entry.LogPath)!);
                await WireNamespaceAsync(entry, cancellationToken).ConfigureAwait(false);
                if (entry.Sandboxed) entry.Cgroup = CreateCgroup(entry);
                entry.Process = InstanceProcess.Launched(LaunchProcess(entry));
                SaveState();
            }
            catch (Exception setupError)
            {
                lock (entry.Gate) entry.Ending = true;
                try
                {
                    await FinishLockedAsync(entry, InstanceStatus.Failed, $"setup failed: {setupError.Message}", TimeSpan.Zero).ConfigureAwait(false);
                }
                catch (Exception cleanupError)
                {
                    // The entry (and its address) stays so a StopAsync can retry the cleanup.
                    Report(entry, InstanceStatus.Failed, $"setup failed: {setupError.Message}; cleanup failed: {cleanupError.Message}", null, []);
                    throw new AggregateException($"starting instance {launch.InstanceId} failed and so did the cleanup", setupError, cleanupError);
                }
                throw;
            }
        }
        finally { entry.Lifecycle.Release(); }

        _ = WatchAsync(entry);
        return entry.Info;
    }

    public async Task<bool> StopAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        InstanceEntry? entry;
        lock (_gate) _entries.TryGetValue(instanceId, out entry);
        if (entry is null) return false;
        lock (entry.Gate) entry.Ending = true;
        await entry.Lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (entry.Terminal) return false;
            await FinishLockedAsync(entry, InstanceStatus.Stopped, null, _options.StopGracePeriod).ConfigureAwait(false);
            return true;
        }
        finally { entry.Lifecycle.Release(); }
    }

    public async Task<int> ExecAsync(string instanceId, IReadOnlyList<string> command, ExecStreams streams, CancellationToken cancellationToken = default)
    {
        if (command.Count == 0) throw new ArgumentException("empty command", nameof(command));
        InstanceEntry? entry;
        lock (_gate) _entries.TryGetValue(instanceId, out entry);
        if (entry is null || entry.Process is null) throw new InvalidOperationException($"instance {instanceId} is not running on this node");

        var info = entry.Sandboxed
            ? SandboxedStartInfo(_shell.InWorkerMounts.Resolve(SandboxLaunch.Exec(await InitPidAsync(entry, cancellationToken).ConfigureAwait(false),
                entry.Cgroup?.ProcsFiles.ToList() ?? [], _options.Sandbox, SandboxEnvironment(entry), command)), entry)
            : StartInfo(_shell.InWorkerMounts.Resolve(["ip", "netns", "exec", entry.Netns, .. command]), entry);
        info.RedirectStandardInput = info.RedirectStandardOutput = info.RedirectStandardError = true;
        using var process = Process.Start(info)!;
        var stdin = Task.Run(async () =>
        {
            try
            {
                if (streams.StandardInput is not null)
                    await streams.StandardInput.CopyToAsync(process.StandardInput.BaseStream, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException) { } // the command exited without reading all of stdin
            catch (OperationCanceledException) { }
            finally { try { process.StandardInput.Close(); } catch (IOException) { } }
        }, CancellationToken.None);
        var stdout = process.StandardOutput.BaseStream.CopyToAsync(streams.StandardOutput, CancellationToken.None);
        var stderr = process.StandardError.BaseStream.CopyToAsync(streams.StandardError, CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
            await streams.StandardOutput.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            await streams.StandardError.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            return process.ExitCode;
        }
        finally
        {
            // Cancelled, or the client's stream broke: the command must not linger in the instance.
            if (!process.HasExited)
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        }
    }

    /// <summary>
    /// Takes over the instances a previous worker process of this node started and that still run: same pid and
    /// start time as recorded, and still inside their namespace. Their addresses stay leased, their exits are
    /// watched and reported as Failed, Running is not reported again. Then everything else with this node's
    /// names is removed (<see cref="CleanUpLeftoversAsync"/>): the namespaces of instances that died meanwhile
    /// and whatever the state file does not know. Only allowed before this runtime starts anything.
    /// </summary>
    public async Task<Adoption> AdoptAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
            if (_entries.Count > 0) throw new InvalidOperationException("adoption after this runtime started instances");
        var state = NodeState.Read(_options.StateDirectory);
        var adopted = new List<InstanceInfo>();
        var gone = new List<string>();
        var sameNode = state is not null && state.Node == _options.NodeName
            && state.SubnetV4 == _options.Subnet.Ipv4.ToString() && state.SubnetV6 == _options.Subnet.Ipv6.ToString();
        foreach (var recorded in sameNode ? state!.Instances : [])
        {
            var alive = recorded.Process.IsAlive && HasSlotSuffix(recorded.Netns, _options.EffectiveNamespacePrefix)
                && (await _netns.PidsAsync(recorded.Netns, cancellationToken).ConfigureAwait(false)).Contains(recorded.Pid);
            if (!alive) { gone.Add(recorded.InstanceId); continue; }
            var entry = new InstanceEntry(recorded.Launch, _allocator.Reserve(recorded.Slot), recorded.Netns, recorded.Veth, recorded.LogPath, recorded.Sandboxed)
            {
                Process = InstanceProcess.Adopt(recorded.Process),
                RunningReported = true,
                Cgroup = recorded.Sandboxed && _cgroups is { IsEmpty: false } layout ? InstanceCgroup.For(layout, recorded.Netns) : null,
                Mac = recorded.Mac,
            };
            lock (_gate) _entries.Add(recorded.InstanceId, entry);
            adopted.Add(entry.Info);
            _ = WatchAsync(entry);
        }
        SaveState();
        var cleanup = await CleanUpLeftoversAsync(cancellationToken).ConfigureAwait(false);
        return new Adoption(adopted, state is null || sameNode ? gone : [.. state.Instances.Select(i => i.InstanceId)], cleanup);
    }

    /// <summary>A start from nothing: every leftover with this node's names is removed and the state file emptied.</summary>
    public async Task<LeftoverCleanup> ResetAsync(CancellationToken cancellationToken = default)
    {
        var cleanup = await CleanUpLeftoversAsync(cancellationToken).ConfigureAwait(false);
        SaveState();
        return cleanup;
    }

    /// <summary>
    /// Lets go of every instance without stopping it, as a crashed worker process would: nothing is watched or
    /// torn down any more, the node state file stays for the next runtime's <see cref="AdoptAsync"/>.
    /// </summary>
    public void Detach()
    {
        _logTimer.Change(Timeout.Infinite, Timeout.Infinite);
        List<InstanceEntry> entries;
        lock (_gate) { entries = [.. _entries.Values]; _entries.Clear(); }
        foreach (var entry in entries)
        {
            lock (entry.Gate) { entry.Ending = true; entry.Terminal = true; }
            entry.Watch.Cancel();
        }
    }

    /// <summary>
    /// Removes what a crashed previous run of this node left: processes and netns with this node's prefix
    /// (also processes whose netns lost its name, found by their OAK_NETNS variable), and veth host ends
    /// with this node's veth prefix, sparing what this runtime manages (the instances it adopted).
    /// </summary>
    public async Task<LeftoverCleanup> CleanUpLeftoversAsync(CancellationToken cancellationToken = default)
    {
        HashSet<string> keptNamespaces, keptVeths;
        List<InstanceEntry> kept;
        lock (_gate)
        {
            kept = [.. _entries.Values];
            keptNamespaces = [.. kept.Select(e => e.Netns)];
            keptVeths = [.. kept.Select(e => e.Veth)];
        }
        // One transaction: the guard chains of a crashed run go, the adopted instances' are rebuilt without a gap.
        if (_guard is not null && await _guard.IsAvailableAsync(cancellationToken).ConfigureAwait(false))
        {
            var ports = new List<GuardedPort>();
            foreach (var entry in kept) ports.Add(await GuardedPortOfAsync(entry, cancellationToken).ConfigureAwait(false));
            await _guard.ResetAsync(ports, cancellationToken).ConfigureAwait(false);
        }

        var namespaces = (await _netns.ListAsync(cancellationToken).ConfigureAwait(false))
            .Where(n => HasSlotSuffix(n, _options.EffectiveNamespacePrefix) && !keptNamespaces.Contains(n)).ToList();
        var killed = 0;
        foreach (var ns in namespaces)
            if (await _netns.IsLiveAsync(ns, cancellationToken).ConfigureAwait(false))
                killed += await KillAllAsync(ns, [], cancellationToken).ConfigureAwait(false);
        // Processes of dead-name namespaces (and any other escapee) are found by their environment.
        killed += await KillOrphansAsync(keptNamespaces, cancellationToken).ConfigureAwait(false);
        foreach (var id in await ContainerCommand.ListAsync(_shell.InWorkerMounts, _options.Containerd, _options.EffectiveNamespacePrefix, cancellationToken).ConfigureAwait(false))
            if (HasSlotSuffix(id, _options.EffectiveNamespacePrefix) && !keptNamespaces.Contains(id))
                await ContainerCommand.RemoveAsync(_shell.InWorkerMounts, _options.Containerd, id, cancellationToken).ConfigureAwait(false);
        killed += await RemoveLeftoverCgroupsAsync(keptNamespaces, cancellationToken).ConfigureAwait(false);
        foreach (var ns in namespaces)
            await _netns.DeleteIfExistsAsync(ns, cancellationToken).ConfigureAwait(false);

        var veths = (await Links.ListAsync(_shell.InNode, "veth", cancellationToken).ConfigureAwait(false))
            .Where(n => HasSlotSuffix(n, _options.VethPrefix) && !keptVeths.Contains(n)).ToList();
        foreach (var veth in veths)
            await Links.DeleteIfExistsAsync(_shell.InNode, veth, cancellationToken).ConfigureAwait(false);
        return new LeftoverCleanup(namespaces, veths, killed);
    }

    public async ValueTask DisposeAsync()
    {
        List<string> ids;
        lock (_gate) ids = [.. _entries.Keys];
        await Task.WhenAll(ids.Select(id => StopAsync(id))).ConfigureAwait(false);
        await _logTimer.DisposeAsync().ConfigureAwait(false);
    }

    private async Task WireNamespaceAsync(InstanceEntry entry, CancellationToken ct)
    {
        var inMounts = _shell.InWorkerMounts;
        var inNode = _shell.InNode;
        var ns = entry.Netns;
        var mtu = _options.Mtu.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var subnet = _options.Subnet;

        await _netns.AddAsync(ns, ct).ConfigureAwait(false);
        // Before eth0 exists, so it inherits "no DAD" and its address is usable at once.
        // The namespace is the instance's alone: an unprivileged instance may bind any port in it (the SLA's port
        // may be below 1024) and use ICMP echo sockets (ping) without raw sockets; both settings are per netns.
        await inMounts.RunAsync(["ip", "netns", "exec", ns, "sysctl", "-q", "-w",
            "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
            "net.ipv4.ip_unprivileged_port_start=0", "net.ipv4.ping_group_range=0 2147483647"], ct).ConfigureAwait(false);
        // Created in the node namespace with the peer pushed into the instance: the host end stays where the bridge is.
        await inNode.RunAsync(["ip", "link", "add", "name", entry.Veth, "mtu", mtu, "type", "veth",
            "peer", "name", "eth0", "mtu", mtu, "netns", ns], ct).ConfigureAwait(false);
        // Guarded before the port joins the bridge: not one frame with another source gets through.
        if (_guard is not null) await _guard.AddAsync(await GuardedPortOfAsync(entry, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
        await inNode.RunAsync(["ip", "link", "set", "dev", entry.Veth, "master", _options.BridgeName, "up"], ct).ConfigureAwait(false);
        await inMounts.RunAsync(["ip", "-n", ns, "link", "set", "dev", "lo", "up"], ct).ConfigureAwait(false);
        await inMounts.RunAsync(["ip", "-n", ns, "-4", "addr", "add", $"{entry.Lease.Ipv4}/{subnet.Ipv4.PrefixLength}", "dev", "eth0"], ct).ConfigureAwait(false);
        await inMounts.RunAsync(["ip", "-n", ns, "-6", "addr", "add", $"{entry.Lease.Ipv6}/{subnet.Ipv6.PrefixLength}", "dev", "eth0", "nodad"], ct).ConfigureAwait(false);
        await inMounts.RunAsync(["ip", "-n", ns, "link", "set", "dev", "eth0", "up"], ct).ConfigureAwait(false);
        await inMounts.RunAsync(["ip", "-n", ns, "-4", "route", "add", "default", "via", subnet.GatewayIpv4.ToString(), "dev", "eth0"], ct).ConfigureAwait(false);
        await inMounts.RunAsync(["ip", "-n", ns, "-6", "route", "add", "default", "via", subnet.GatewayIpv6.ToString(), "dev", "eth0"], ct).ConfigureAwait(false);
    }

    private Process LaunchProcess(InstanceEntry entry)
    {
        if (entry.Sandboxed) return LaunchSandboxed(entry);
        var command = _shell.InWorkerMounts.Resolve(entry.Launch.Container is { } container
            ? ContainerCommand.Launch(_options.Containerd, container, entry.Netns, entry.Netns, entry.LogPath, ContainerEnvironment(entry))
            : ["/bin/sh", "-c", LaunchScript, "oak-instance", entry.LogPath, entry.Netns, entry.Launch.Code]);
        var info = StartInfo(command, entry);
        info.RedirectStandardInput = true;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {CommandLineText.Format(command)}");
        try { process.StandardInput.Close(); } catch (IOException) { } // it replaces stdin with /dev/null anyway
        return process;
    }

    private Process LaunchSandboxed(InstanceEntry entry)
    {
        var hidden = new[] { Path.GetFullPath(_options.StateDirectory), _options.EffectiveLogDirectory }
            .Concat(_options.Sandbox.HiddenPaths.Select(Path.GetFullPath)).Distinct().ToList();
        var command = _shell.InWorkerMounts.Resolve(SandboxLaunch.Launch(entry.LogPath, entry.Netns, entry.Launch.Code, _options.Sandbox,
            hidden, SandboxEnvironment(entry)));
        var info = SandboxedStartInfo(command, entry);
        info.RedirectStandardInput = true;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {CommandLineText.Format(command)}");
        try
        {
            // The launch waits for its stdin to close: inside the limits before it runs anything.
            entry.Cgroup?.Join(process.Id);
        }
        catch (Exception)
        {
            try { process.Kill(); } catch (InvalidOperationException) { }
            process.Dispose();
            throw;
        }
        try { process.StandardInput.Close(); } catch (IOException) { }
        return process;
    }

    /// <summary>The root-owned launch chain sees PATH and OAK_NETNS (how a restarted worker finds orphans) only;
    /// the instance's own variables are passed to <c>env -i</c> after the privilege drop.</summary>
    private ProcessStartInfo SandboxedStartInfo(IReadOnlyList<string> command, InstanceEntry entry)
    {
        var info = new ProcessStartInfo(command[0]) { UseShellExecute = false };
        foreach (var arg in command.Skip(1)) info.ArgumentList.Add(arg);
        info.Environment.Clear();
        info.Environment["PATH"] = _options.Sandbox.Path;
        info.Environment[InstanceEnvironment.NetnsVariable] = entry.Netns;
        return info;
    }

    private IReadOnlyList<KeyValuePair<string, string>> SandboxEnvironment(InstanceEntry entry) =>
        SandboxLaunch.Environment(_options.Sandbox, entry.Launch.Environment,
            InstanceEnvironment.For(entry.Launch, _options.NodeName, entry.Lease, entry.Netns));

    private InstanceCgroup? CreateCgroup(InstanceEntry entry)
    {
        if (_cgroups is null || _cgroups.IsEmpty)
        {
            if (entry.Launch.Limits is { MemoryBytes: > 0 } or { Vcpus: > 0 } or { Pids: > 0 })
                throw new InvalidOperationException("the SLA asks for limits but this machine has no cgroup controllers mounted");
            if (Interlocked.Exchange(ref _noCgroupWarned, 1) == 0)
                Warn("no cgroup controllers found (memory, cpu, pids): instances run without a pids limit");
            return null;
        }
        return InstanceCgroup.Create(_cgroups, entry.Netns, entry.Launch.Limits, _options.Sandbox.DefaultPids);
    }

    /// <summary>PID 1 of a sandboxed instance: the child of the unshare the worker watches (it forks at once).</summary>
    private static async Task<int> InitPidAsync(InstanceEntry entry, CancellationToken ct)
    {
        var parent = entry.Process!.Pid;
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (ChildOf(parent) is int child) return child;
            await Task.Delay(20, ct).ConfigureAwait(false);
        }
        throw new InvalidOperationException($"instance {entry.Launch.InstanceId} has no sandbox process under pid {parent}");
    }

    private static int? ChildOf(int parent)
    {
        var text = parent.ToString(CultureInfo.InvariantCulture);
        try
        {
            var children = File.ReadAllText($"/proc/{text}/task/{text}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return children.Length > 0 && int.TryParse(children[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>The instance's port as the guard needs it; the MAC is read once (at wiring) and then recorded:
    /// an adoption, where every millisecond delays the adopted instances' answers, asks nothing.</summary>
    private async Task<GuardedPort> GuardedPortOfAsync(InstanceEntry entry, CancellationToken ct)
    {
        entry.Mac ??= await SpoofGuard.MacOfAsync(_shell.InWorkerMounts, entry.Netns, ct).ConfigureAwait(false);
        return new(entry.Veth, entry.Mac, entry.Lease.Ipv4, entry.Lease.Ipv6);
    }

    /// <summary>Kills what is left in cgroups of this node's names that no entry keeps and removes them.</summary>
    private async Task<int> RemoveLeftoverCgroupsAsync(IReadOnlySet<string> keptNamespaces, CancellationToken ct)
    {
        if (_cgroups is null || _cgroups.IsEmpty) return 0;
        var killed = 0;
        foreach (var name in _cgroups.GroupNames().Where(n => HasSlotSuffix(n, _options.EffectiveNamespacePrefix) && !keptNamespaces.Contains(n)))
        {
            var group = InstanceCgroup.For(_cgroups, name);
            for (var round = 0; round < 50 && group.Pids() is { Count: > 0 } pids; round++)
            {
                foreach (var pid in pids) { LinuxNative.Signal(pid, LinuxNative.SIGKILL); killed++; }
                await Task.Delay(50, ct).ConfigureAwait(false);
            }
            await group.RemoveAsync().ConfigureAwait(false);
        }
        return killed;
    }

    private void RotateLogs()
    {
        List<string> logs;
        lock (_gate) logs = [.. _entries.Values.Select(e => e.LogPath)];
        foreach (var log in logs) LogRotation.RotateIfLarger(log, _options.LogMaxBytes);
    }

    private void Warn(string message)
    {
        try { Warning?.Invoke(message); }
        catch (Exception) { /* a subscriber's bug must not break the runtime */ }
    }

    private ProcessStartInfo StartInfo(IReadOnlyList<string> command, InstanceEntry entry)
    {
        var info = new ProcessStartInfo(command[0]) { UseShellExecute = false };
        foreach (var arg in command.Skip(1)) info.ArgumentList.Add(arg);
        // Unsandboxed (Sandbox.Enabled = false): the worker's environment is inherited, the launch's variables and
        // then the OAK_* identity override it. A container gets the launch's variables through ctr --env only:
        // here they would reach ctr itself, which runs as root.
        if (entry.Launch.Container is null && entry.Launch.Environment is { } extra)
            foreach (var (key, value) in extra) info.Environment[key] = value;
        foreach (var (key, value) in InstanceEnvironment.For(entry.Launch, _options.NodeName, entry.Lease, entry.Netns))
            info.Environment[key] = value;
        return info;
    }

    /// <summary>A container sees the launch's variables and the OAK_* identity, not the worker's environment.</summary>
    private IEnumerable<KeyValuePair<string, string>> ContainerEnvironment(InstanceEntry entry) =>
        (entry.Launch.Environment ?? new Dictionary<string, string>())
            .Concat(InstanceEnvironment.For(entry.Launch, _options.NodeName, entry.Lease, entry.Netns));

    private async Task WatchAsync(InstanceEntry entry)
    {
        try
        {
            var process = entry.Process!;
            var exited = process.Exited;
            if (process.IsAdopted)
            {
                // Running was reported by the worker process that started it; only its end is news.
                await exited.ConfigureAwait(false);
                await FailAsync(entry, "process exited (adopted after a worker restart: its exit code went to init)").ConfigureAwait(false);
                return;
            }
            if (entry.Launch.ReadinessPort is int port)
            {
                var ready = await WaitReadyAsync(entry, port, exited).ConfigureAwait(false);
                if (!ready && !exited.IsCompleted && !entry.Watch.IsCancellationRequested)
                {
                    await FailAsync(entry, $"port {port} on {entry.Lease.Ipv4} did not accept TCP connections within {_options.ReadinessTimeout.TotalSeconds:0.#} s").ConfigureAwait(false);
                    return;
                }
            }
            else
            {
                await WaitInNamespaceAsync(entry, process, exited).ConfigureAwait(false);
                Report(entry, InstanceStatus.Running, null, null, []);
            }
            await exited.ConfigureAwait(false);
            await FailAsync(entry, $"process exited with code {process.ExitCode}").ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Teardown after a failure went wrong: the entry stays (StopAsync can retry) and the
            // failure is reported so the control plane does not wait for a Running that never comes.
            lock (entry.Gate)
                if (!entry.Terminal) { entry.Terminal = true; Emit(entry, InstanceStatus.Failed, $"cleanup after failure failed: {e.Message}", null, []); }
        }
    }

    /// <summary>
    /// Waits (up to 5 s) until the process is inside its network namespace: the launch script enters it
    /// with <c>ip netns exec</c> after the start, and Running reported before that let a reader of the
    /// process's namespace (<c>ip netns identify</c>, seen in CI) find the worker's own. A process that exits
    /// first is left to the exit watcher.
    /// </summary>
    private async Task WaitInNamespaceAsync(InstanceEntry entry, InstanceProcess process, Task exited)
    {
        string? own = NetNamespaceOf("self");
        if (own is null) return;
        var clock = Stopwatch.StartNew();
        while (!exited.IsCompleted && !entry.Watch.IsCancellationRequested && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            if (NetNamespaceOf(process.Pid.ToString(CultureInfo.InvariantCulture)) is { } current && current != own) return;
            try { await Task.Delay(5, entry.Watch.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>The net namespace link of a process (<c>net:[inode]</c>), or null when it cannot be read (gone, no /proc).</summary>
    private static string? NetNamespaceOf(string process)
    {
        try { return new FileInfo($"/proc/{process}/ns/net").LinkTarget; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private async Task<bool> WaitReadyAsync(InstanceEntry entry, int port, Task exited)
    {
        var clock = Stopwatch.StartNew();
        var endpoint = new IPEndPoint(entry.Lease.Ipv4, port);
        while (!exited.IsCompleted && !entry.Watch.IsCancellationRequested && clock.Elapsed < _options.ReadinessTimeout)
        {
            using (var socket = NamespaceSockets.CreateTcp(_shell.NodeNetnsPath, AddressFamily.InterNetwork))
            using (var attempt = CancellationTokenSource.CreateLinkedTokenSource(entry.Watch.Token))
            {
                attempt.CancelAfter(TimeSpan.FromSeconds(1));
                try
                {
                    await socket.ConnectAsync(endpoint, attempt.Token).ConfigureAwait(false);
                    Report(entry, InstanceStatus.Running, null, null, []);
                    return true;
                }
                catch (SocketException) { }
                catch (OperationCanceledException) { }
            }
            try { await Task.Delay(_options.ReadinessPollInterval, entry.Watch.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { }
        }
        return false;
    }

    private async Task FailAsync(InstanceEntry entry, string detail)
    {
        lock (entry.Gate)
        {
            if (entry.Ending) return; // a stop owns the end; the exit is expected
            entry.Ending = true;
        }
        await entry.Lifecycle.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (!entry.Terminal)
                await FinishLockedAsync(entry, InstanceStatus.Failed, detail, _options.StopGracePeriod).ConfigureAwait(false);
        }
        finally { entry.Lifecycle.Release(); }
    }

    /// <summary>Ends an instance; the caller holds <see cref="InstanceEntry.Lifecycle"/>. If cleanup throws,
    /// the entry and its address stay so that a later StopAsync can finish the job.</summary>
    private async Task FinishLockedAsync(InstanceEntry entry, InstanceStatus status, string? detail, TimeSpan grace)
    {
        await entry.Watch.CancelAsync().ConfigureAwait(false);
        await TerminateAsync(entry, grace).ConfigureAwait(false);
        await TearDownAsync(entry).ConfigureAwait(false);
        int? exitCode = entry.Process is { HasExited: true } p ? p.ExitCode : null;
        var tail = status == InstanceStatus.Failed ? LogTail.Read(entry.LogPath, _options.LogTailLines) : [];
        lock (_gate) _entries.Remove(entry.Launch.InstanceId);
        SaveState();
        _allocator.Release(entry.Lease.Slot);
        Report(entry, status, detail, exitCode, tail);
        entry.Process?.Dispose();
    }

    /// <summary>SIGTERM to every process of the instance, SIGKILL to what is left after the grace period.</summary>
    private async Task TerminateAsync(InstanceEntry entry, TimeSpan grace)
    {
        var process = entry.Process;
        int[] main = process is { HasExited: false } ? [process.Pid] : [];
        var pids = (await _netns.PidsAsync(entry.Netns, CancellationToken.None).ConfigureAwait(false)).Union(main).ToList();
        if (pids.Count == 0) return;
        if (grace > TimeSpan.Zero)
        {
            foreach (var pid in pids) LinuxNative.Signal(pid, LinuxNative.SIGTERM);
            var clock = Stopwatch.StartNew();
            if (process is { HasExited: false })
            {
                try { await process.Exited.WaitAsync(grace).ConfigureAwait(false); }
                catch (TimeoutException) { }
            }
            while (clock.Elapsed < grace)
            {
                if ((process is null || process.HasExited) && (await _netns.PidsAsync(entry.Netns, CancellationToken.None).ConfigureAwait(false)).Count == 0)
                    return;
                await Task.Delay(100).ConfigureAwait(false);
            }
        }
        // An adopted process is signalled only while it is still the one recorded (its pid could be reused).
        int[] extra = process is { HasExited: false } && (!process.IsAdopted || process.Identity.IsAlive) ? [process.Pid] : [];
        await KillAllAsync(entry.Netns, extra, CancellationToken.None).ConfigureAwait(false);
        if (process is { HasExited: false })
        {
            try { await process.Exited.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false); }
            catch (TimeoutException) { throw new InvalidOperationException($"process {process.Pid} of instance {entry.Launch.InstanceId} survived SIGKILL"); }
        }
    }

    /// <summary>SIGKILL until no process is left in the namespace; returns how many were signalled.</summary>
    private async Task<int> KillAllAsync(string netns, IReadOnlyList<int> extra, CancellationToken ct)
    {
        var signalled = new HashSet<int>();
        for (var round = 0; round < 50; round++)
        {
            var pids = (await _netns.PidsAsync(netns, ct).ConfigureAwait(false)).Union(round == 0 ? extra : []).ToList();
            if (pids.Count == 0) return signalled.Count;
            foreach (var pid in pids) { LinuxNative.Signal(pid, LinuxNative.SIGKILL); signalled.Add(pid); }
            await Task.Delay(50, ct).ConfigureAwait(false);
        }
        throw new InvalidOperationException($"processes in netns {netns} survive SIGKILL");
    }

    private async Task<int> KillOrphansAsync(IReadOnlySet<string> keptNamespaces, CancellationToken ct)
    {
        var killed = 0;
        var self = Environment.ProcessId;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == self || pid <= 1) continue;
            string environ;
            try { environ = await File.ReadAllTextAsync(Path.Combine(dir, "environ"), ct).ConfigureAwait(false); }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            var tag = environ.Split('\0').FirstOrDefault(v => v.StartsWith(InstanceEnvironment.NetnsVariable + "=", StringComparison.Ordinal));
            var netns = tag?[(InstanceEnvironment.NetnsVariable.Length + 1)..];
            if (netns is not null && HasSlotSuffix(netns, _options.EffectiveNamespacePrefix) && !keptNamespaces.Contains(netns))
            {
                LinuxNative.Signal(pid, LinuxNative.SIGKILL);
                killed++;
            }
        }
        return killed;
    }

    private async Task TearDownAsync(InstanceEntry entry)
    {
        // The container is named after the netns (see LaunchProcess); it goes before the namespace it joined.
        if (entry.Launch.Container is not null)
            await ContainerCommand.RemoveAsync(_shell.InWorkerMounts, _options.Containerd, entry.Netns, CancellationToken.None).ConfigureAwait(false);
        var links = await Links.ListAsync(_shell.InNode, null, CancellationToken.None).ConfigureAwait(false);
        // The veth first and explicitly: deleting it is synchronous, while a deleted netns frees its
        // devices later on a kernel work queue.
        if (links.Contains(entry.Veth))
            await Links.DeleteIfExistsAsync(_shell.InNode, entry.Veth, CancellationToken.None).ConfigureAwait(false);
        if (_guard is not null) await _guard.RemoveAsync(entry.Veth, CancellationToken.None).ConfigureAwait(false);
        if (entry.Cgroup is { } cgroup && !await cgroup.RemoveAsync().ConfigureAwait(false))
            Warn($"cgroup of {entry.Netns} could not be removed yet; the next start of the worker removes it");
        await _netns.DeleteIfExistsAsync(entry.Netns, CancellationToken.None).ConfigureAwait(false);
        // The next owner of these addresses gets a new MAC: do not let the node keep the old one.
        if (links.Contains(_options.BridgeName))
            foreach (var address in new[] { entry.Lease.Ipv4, entry.Lease.Ipv6 })
                await _shell.InNode.RunAsync(["ip", "neigh", "flush", "dev", _options.BridgeName, "to", address.ToString()], CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Records every launched instance's process in the node state file (see <see cref="NodeState"/>).</summary>
    private void SaveState()
    {
        lock (_stateGate)
        {
            List<RecordedInstance> instances;
            lock (_gate)
                instances = [.. _entries.Values
                    .Where(e => e.Process is { Identity.StartTime: > 0 })
                    .Select(RecordedInstance.Of)];
            new NodeState(_options.NodeName, _options.Subnet.Ipv4.ToString(), _options.Subnet.Ipv6.ToString(), instances)
                .Write(_options.StateDirectory);
        }
    }

    private void Report(InstanceEntry entry, InstanceStatus status, string? detail, int? exitCode, IReadOnlyList<string> tail)
    {
        lock (entry.Gate)
        {
            if (entry.Terminal) return;
            if (status == InstanceStatus.Running)
            {
                if (entry.Ending || entry.RunningReported) return;
                entry.RunningReported = true;
            }
            if (status is InstanceStatus.Failed or InstanceStatus.Stopped) entry.Terminal = true;
            Emit(entry, status, detail, exitCode, tail);
        }
    }

    private void Emit(InstanceEntry entry, InstanceStatus status, string? detail, int? exitCode, IReadOnlyList<string> tail)
    {
        var l = entry.Launch;
        var report = new InstanceStatusReport(l.ServiceId, l.InstanceId, l.InstanceNumber, l.Epoch, status, detail, exitCode, tail, DateTimeOffset.UtcNow);
        try { StatusChanged?.Invoke(report); }
        catch (Exception) { /* a subscriber's bug must not break the lifecycle of the instance */ }
    }

    private string LogPathFor(InstanceLaunch launch)
    {
        var safe = new string(launch.InstanceId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());
        return Path.Combine(_options.EffectiveLogDirectory, $"{safe}.log");
    }

    private static bool HasSlotSuffix(string name, string prefix) =>
        name.Length > prefix.Length && name.StartsWith(prefix, StringComparison.Ordinal) && name[prefix.Length..].All(char.IsAsciiDigit);
}
