namespace Oakestra.Actors.WorkerNode.Runtime;

/// <summary>Mutable bookkeeping of one instance start, owned by <see cref="InstanceRuntime"/>.</summary>
internal sealed class InstanceEntry(InstanceLaunch launch, NamespaceAddressLease lease, string netns, string veth, string logPath, bool sandboxed)
{
    public InstanceLaunch Launch { get; } = launch;
    public NamespaceAddressLease Lease { get; } = lease;
    public string Netns { get; } = netns;
    public string Veth { get; } = veth;
    public string LogPath { get; } = logPath;

    /// <summary>Runs as the sandbox user in its own mount/PID/UTS namespaces (see <see cref="Sandbox.SandboxLaunch"/>).</summary>
    public bool Sandboxed { get; } = sandboxed;

    /// <summary>The MAC of its eth0 (what the spoof guard lets it send as), recorded so an adoption need not ask.</summary>
    public string? Mac { get; set; }

    /// <summary>Its cgroup, when the machine has controllers and the instance is sandboxed.</summary>
    public Sandbox.InstanceCgroup? Cgroup { get; set; }

    /// <summary>Serialises setup, stop and failure handling of this instance.</summary>
    public SemaphoreSlim Lifecycle { get; } = new(1, 1);

    /// <summary>Guards the flags below and the order of status reports.</summary>
    public Lock Gate { get; } = new();

    public InstanceProcess? Process { get; set; }

    /// <summary>Someone (StopAsync or failure handling) owns the end of this instance; exits are expected.</summary>
    public bool Ending { get; set; }

    /// <summary>Failed or Stopped was reported; nothing may be reported after it.</summary>
    public bool Terminal { get; set; }

    public bool RunningReported { get; set; }

    public CancellationTokenSource Watch { get; } = new();

    public InstanceInfo Info => new(Launch, Lease.Slot, Netns, Veth, Lease.Ipv4, Lease.Ipv6, LogPath, Process?.Pid ?? 0);
}
