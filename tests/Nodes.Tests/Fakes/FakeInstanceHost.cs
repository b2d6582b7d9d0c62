using System.Collections.Concurrent;
using Oakestra.Actors.WorkerNode.Ports;

namespace Oakestra.Actors.Nodes.Tests.Fakes;

/// <summary>Runs nothing; records what it was asked and lets a test crash a running placement.</summary>
public sealed class FakeInstanceHost : IInstanceHost
{
    private readonly ConcurrentDictionary<(string, long), Action<InstanceExit>> _running = new();
    private readonly ConcurrentDictionary<(string, long), InstanceSetup> _setups = new();
    private NodeSubnets? _subnets;

    public ConcurrentQueue<NodeSubnets> Prepared { get; } = new();
    public ConcurrentQueue<InstanceSetup> Started { get; } = new();
    public ConcurrentQueue<(string Instance, long Epoch)> Stopped { get; } = new();

    /// <summary>When set, a start waits for this before completing (to observe the Starting state).</summary>
    public TaskCompletionSource? StartGate { get; set; }

    public Task PrepareNodeAsync(NodeSubnets subnets, CancellationToken ct)
    {
        Prepared.Enqueue(subnets);
        _subnets = subnets;
        return Task.CompletedTask;
    }

    public async Task<StartedInstance> StartAsync(InstanceSetup setup, Action<InstanceExit> onExit, CancellationToken ct)
    {
        if (StartGate is { } gate) await gate.Task;
        Started.Enqueue(setup);
        _running[(setup.Launch.InstanceId, setup.Launch.Epoch)] = onExit;
        _setups[(setup.Launch.InstanceId, setup.Launch.Epoch)] = setup;
        return new StartedInstance($"oaktest-{setup.Launch.InstanceId}-{setup.Launch.Epoch}") { ProcessId = ProcessIdOf(setup.Launch.InstanceId, setup.Launch.Epoch) };
    }

    public Task StopAsync(string instanceId, long epoch, CancellationToken ct)
    {
        _running.TryRemove((instanceId, epoch), out _);
        _setups.TryRemove((instanceId, epoch), out _);
        Stopped.Enqueue((instanceId, epoch));
        return Task.CompletedTask;
    }

    /// <summary>Like a real host after a worker restart: what still runs, with every exit now told to <paramref name="onExit"/>.</summary>
    public Task<NodeRestore> RestoreAsync(Action<InstanceExit> onExit, CancellationToken ct)
    {
        Restores++;
        foreach (var key in _running.Keys) _running[key] = onExit;
        return Task.FromResult(new NodeRestore(_subnets, _setups.Values.Where(s => _running.ContainsKey((s.Launch.InstanceId, s.Launch.Epoch)))
            .Select(s => new RestoredPlacement(s.Launch, s.NamespaceV4, s.NamespaceV6, $"oaktest-{s.Launch.InstanceId}-{s.Launch.Epoch}",
                ProcessIdOf(s.Launch.InstanceId, s.Launch.Epoch)))
            .ToArray()));
    }

    public int Restores { get; private set; }

    /// <summary>A stable stand-in for a process id, so tests can tell an adopted placement from a restarted one.</summary>
    public static int ProcessIdOf(string instanceId, long epoch) => Math.Abs(HashCode.Combine(instanceId, epoch)) % 1_000_000 + 1000;

    public bool IsRunning(string instanceId, long epoch) => _running.ContainsKey((instanceId, epoch));

    /// <summary>Every placement that runs now.</summary>
    public IReadOnlyList<(string Instance, long Epoch)> Running => _running.Keys.Select(k => (k.Item1, k.Item2)).ToArray();

    private readonly string _logDir = Path.Combine(Path.GetTempPath(), "oak-fakelogs-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>Appends to the instance's log file, as its process would (read back with the worker's real reader).</summary>
    public void WriteLog(string instanceId, string text)
    {
        Directory.CreateDirectory(_logDir);
        File.AppendAllText(LogPath(instanceId), text);
    }

    private string LogPath(string instanceId) => Path.Combine(_logDir, instanceId + ".log");

    public Task<Contracts.Protocol.InstanceLogChunk?> ReadLogAsync(string instanceId, long offset, int? tailLines, int maxBytes, CancellationToken ct) =>
        Task.FromResult(File.Exists(LogPath(instanceId))
            ? WorkerNode.Adapters.InstanceLogReader.Read(instanceId, LogPath(instanceId), offset, tailLines, maxBytes)
            : null);

    public void Crash(string instanceId, long epoch, int exitCode)
    {
        _setups.TryRemove((instanceId, epoch), out _);
        if (_running.TryRemove((instanceId, epoch), out var onExit)) onExit(new InstanceExit(instanceId, epoch, exitCode, "crashed"));
    }
}
