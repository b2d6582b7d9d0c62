using System.Collections.Concurrent;

namespace Oakestra.Actors.WorkerNode.Ports.Inert;

/// <summary>
/// Runs nothing: every placement "starts" at once. For control-plane labs and until the namespace runtime
/// is wired (config <c>Oak:Node:Runtime = inert</c>).
/// </summary>
public sealed class InertInstanceHost : IInstanceHost
{
    private readonly ConcurrentDictionary<(string, long), byte> _running = new();

    public Task PrepareNodeAsync(NodeSubnets subnets, CancellationToken ct) => Task.CompletedTask;

    public Task<StartedInstance> StartAsync(InstanceSetup setup, Action<InstanceExit> onExit, CancellationToken ct)
    {
        _running[(setup.Launch.InstanceId, setup.Launch.Epoch)] = 0;
        return Task.FromResult(new StartedInstance($"inert-{setup.Launch.InstanceId}-{setup.Launch.Epoch}"));
    }

    public Task StopAsync(string instanceId, long epoch, CancellationToken ct)
    {
        _running.TryRemove((instanceId, epoch), out _);
        return Task.CompletedTask;
    }
}
