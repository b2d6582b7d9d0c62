using Oakestra.Actors.WorkerNode.Runtime;

namespace Oakestra.Actors.Nodes.Tests.Runtime;

/// <summary>Collects status reports and lets a test await a particular one.</summary>
internal sealed class StatusRecorder
{
    private readonly List<InstanceStatusReport> _reports = [];
    private readonly Lock _gate = new();

    public StatusRecorder(IInstanceRuntime runtime) => runtime.StatusChanged += Add;

    public IReadOnlyList<InstanceStatusReport> For(string instanceId)
    {
        lock (_gate) return _reports.Where(r => r.InstanceId == instanceId).ToList();
    }

    public IReadOnlyList<InstanceStatus> Statuses(string instanceId) => For(instanceId).Select(r => r.Status).ToList();

    public async Task<InstanceStatusReport> WaitAsync(string instanceId, InstanceStatus status, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (DateTime.UtcNow < deadline)
        {
            var hit = For(instanceId).FirstOrDefault(r => r.Status == status);
            if (hit is not null) return hit;
            await Task.Delay(25);
        }
        throw new TimeoutException($"{instanceId} never reported {status}; saw: {string.Join(", ", For(instanceId).Select(r => $"{r.Status} {r.Detail}"))}");
    }

    private void Add(InstanceStatusReport report)
    {
        lock (_gate) _reports.Add(report);
    }
}
