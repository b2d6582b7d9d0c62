using System.Collections.Concurrent;

namespace Oakestra.Actors.WorkerNode.Ports.Inert;

/// <summary>
/// Runs nothing: every placement "starts" at once. For control-plane labs and until the namespace runtime
/// is wired (config <c>Oak:Node:Runtime = inert</c>).
/// </summary>
public sealed class InertInstanceHost : IInstanceHost
{
    private readonly ConcurrentDictionary<(string, long), InstanceSetup> _running = new();
    private NodeSubnets? _subnets;

    public Task PrepareNodeAsync(NodeSubnets subnets, CancellationToken ct)
    {
        _subnets = subnets;
        return Task.CompletedTask;
    }

    public Task<StartedInstance> StartAsync(InstanceSetup setup, Action<InstanceExit> onExit, CancellationToken ct)
    {
        _running[(setup.Launch.InstanceId, setup.Launch.Epoch)] = setup;
        return Task.FromResult(new StartedInstance($"inert-{setup.Launch.InstanceId}-{setup.Launch.Epoch}"));
    }

    public Task StopAsync(string instanceId, long epoch, CancellationToken ct)
    {
        _running.TryRemove((instanceId, epoch), out _);
        return Task.CompletedTask;
    }

    /// <summary>What this process "runs" (an ActorSystem restart keeps it; nothing survives the process).</summary>
    public Task<NodeRestore> RestoreAsync(Action<InstanceExit> onExit, CancellationToken ct) =>
        Task.FromResult(new NodeRestore(_subnets, _running.Values
            .Select(s => new RestoredPlacement(s.Launch, s.NamespaceV4, s.NamespaceV6, $"inert-{s.Launch.InstanceId}-{s.Launch.Epoch}", null))
            .ToArray()));
}
