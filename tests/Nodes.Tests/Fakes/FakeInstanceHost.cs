using System.Collections.Concurrent;
using Oakestra.Actors.WorkerNode.Ports;

namespace Oakestra.Actors.Nodes.Tests.Fakes;

/// <summary>Runs nothing; records what it was asked and lets a test crash a running placement.</summary>
public sealed class FakeInstanceHost : IInstanceHost
{
    private readonly ConcurrentDictionary<(string, long), Action<InstanceExit>> _running = new();

    public ConcurrentQueue<NodeSubnets> Prepared { get; } = new();
    public ConcurrentQueue<InstanceSetup> Started { get; } = new();
    public ConcurrentQueue<(string Instance, long Epoch)> Stopped { get; } = new();

    /// <summary>When set, a start waits for this before completing (to observe the Starting state).</summary>
    public TaskCompletionSource? StartGate { get; set; }

    public Task PrepareNodeAsync(NodeSubnets subnets, CancellationToken ct)
    {
        Prepared.Enqueue(subnets);
        return Task.CompletedTask;
    }

    public async Task<StartedInstance> StartAsync(InstanceSetup setup, Action<InstanceExit> onExit, CancellationToken ct)
    {
        if (StartGate is { } gate) await gate.Task;
        Started.Enqueue(setup);
        _running[(setup.Launch.InstanceId, setup.Launch.Epoch)] = onExit;
        return new StartedInstance($"oaktest-{setup.Launch.InstanceId}-{setup.Launch.Epoch}");
    }

    public Task StopAsync(string instanceId, long epoch, CancellationToken ct)
    {
        _running.TryRemove((instanceId, epoch), out _);
        Stopped.Enqueue((instanceId, epoch));
        return Task.CompletedTask;
    }

    public bool IsRunning(string instanceId, long epoch) => _running.ContainsKey((instanceId, epoch));

    public void Crash(string instanceId, long epoch, int exitCode)
    {
        if (_running.TryRemove((instanceId, epoch), out var onExit)) onExit(new InstanceExit(instanceId, epoch, exitCode, "crashed"));
    }
}
