using System.Collections.Concurrent;
using System.Net;
using Oakestra.Actors.WorkerNode.Runtime;

namespace Oakestra.Actors.Nodes.Tests.Runtime;

/// <summary>
/// In-memory <see cref="IInstanceRuntime"/> for tests of code that drives the runtime (the worker actor):
/// no namespaces, no processes. Start reports Starting and (unless <see cref="AutoRunning"/> is off) Running;
/// <see cref="Crash"/> plays an instance dying; every call is recorded.
/// </summary>
public sealed class FakeInstanceRuntime : IInstanceRuntime
{
    private readonly ConcurrentDictionary<string, InstanceInfo> _instances = new();
    private int _nextSlot = 2;

    public event Action<InstanceStatusReport>? StatusChanged;

    public bool AutoRunning { get; set; } = true;

    /// <summary>When set, StartAsync throws it (after reporting Starting and Failed), like a failed setup.</summary>
    public Exception? FailNextStart { get; set; }

    public ConcurrentQueue<string> Calls { get; } = new();

    public IReadOnlyCollection<InstanceInfo> Instances => _instances.Values.ToList();

    public Task<InstanceInfo> StartAsync(InstanceLaunch launch, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue($"start {launch.InstanceId} epoch {launch.Epoch}");
        if (_instances.TryGetValue(launch.InstanceId, out var existing))
        {
            if (existing.Launch.Epoch == launch.Epoch) return Task.FromResult(existing);
            throw new InvalidOperationException($"instance {launch.InstanceId} is still present with epoch {existing.Launch.Epoch}");
        }
        Emit(launch, InstanceStatus.Starting);
        if (FailNextStart is { } error)
        {
            FailNextStart = null;
            Emit(launch, InstanceStatus.Failed, $"setup failed: {error.Message}");
            throw error;
        }
        var slot = Interlocked.Increment(ref _nextSlot) - 1;
        var info = new InstanceInfo(launch, slot, $"fake-i{slot}", $"fakev{slot}",
            IPAddress.Parse($"10.18.0.{64 + slot}"), IPAddress.Parse($"fc00::{0x100 + slot:x}"), $"/dev/null", 0);
        _instances[launch.InstanceId] = info;
        if (AutoRunning) Emit(launch, InstanceStatus.Running);
        return Task.FromResult(info);
    }

    /// <summary>Reports Running for an instance started with <see cref="AutoRunning"/> off.</summary>
    public void BecomeRunning(string instanceId) => Emit(_instances[instanceId].Launch, InstanceStatus.Running);

    /// <summary>The instance's process dies: Failed with the exit code, the instance is gone.</summary>
    public void Crash(string instanceId, int exitCode = 1)
    {
        if (_instances.TryRemove(instanceId, out var info))
            Emit(info.Launch, InstanceStatus.Failed, $"process exited with code {exitCode}", exitCode);
    }

    public Task<bool> StopAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue($"stop {instanceId}");
        if (!_instances.TryRemove(instanceId, out var info)) return Task.FromResult(false);
        Emit(info.Launch, InstanceStatus.Stopped, exitCode: 143);
        return Task.FromResult(true);
    }

    public async Task<int> ExecAsync(string instanceId, IReadOnlyList<string> command, ExecStreams streams, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue($"exec {instanceId} {string.Join(' ', command)}");
        if (!_instances.ContainsKey(instanceId)) throw new InvalidOperationException($"instance {instanceId} is not running on this node");
        await streams.StandardOutput.WriteAsync(System.Text.Encoding.UTF8.GetBytes(string.Join(' ', command) + "\n"), cancellationToken);
        return 0;
    }

    private void Emit(InstanceLaunch l, InstanceStatus status, string? detail = null, int? exitCode = null) =>
        StatusChanged?.Invoke(new InstanceStatusReport(l.ServiceId, l.InstanceId, l.InstanceNumber, l.Epoch, status, detail, exitCode, [], DateTimeOffset.UtcNow));
}
