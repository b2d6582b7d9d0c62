using System.Diagnostics;

namespace Oakestra.Actors.WorkerNode.Runtime;

/// <summary>
/// The process that stands for an instance: one this worker launched (its child, exit code known), or one a
/// previous worker process launched and this one adopted (not our child: its end is seen by polling its
/// identity, and its exit code went to whoever reaped it).
/// </summary>
internal sealed class InstanceProcess : IDisposable
{
    private static readonly TimeSpan AdoptedPoll = TimeSpan.FromMilliseconds(200);
    private readonly Process? _child;

    private InstanceProcess(ProcessIdentity identity, Process? child, Task exited)
    {
        Identity = identity;
        _child = child;
        Exited = exited;
    }

    public ProcessIdentity Identity { get; }
    public int Pid => Identity.Pid;
    public bool IsAdopted => _child is null;
    public Task Exited { get; }
    public bool HasExited => Exited.IsCompleted;
    public int? ExitCode => _child is { HasExited: true } c ? c.ExitCode : null;

    /// <summary>A process this worker started. Its start time is read at once (0 if it is already gone: never adoptable).</summary>
    public static InstanceProcess Launched(Process child) =>
        new(ProcessIdentity.Of(child.Id) ?? new ProcessIdentity(child.Id, 0), child, child.WaitForExitAsync(CancellationToken.None));

    public static InstanceProcess Adopt(ProcessIdentity identity) => new(identity, null, WatchAsync(identity));

    private static async Task WatchAsync(ProcessIdentity identity)
    {
        while (identity.IsAlive) await Task.Delay(AdoptedPoll).ConfigureAwait(false);
    }

    public void Dispose() => _child?.Dispose();
}
