namespace Oakestra.Actors.WorkerNode.Runtime;

/// <summary>One status change of one instance start.</summary>
/// <param name="Detail">Why (for Failed: exit, readiness timeout or setup error), null when obvious.</param>
/// <param name="ExitCode">Exit code of the instance process when it exited (128+n when killed by signal n).</param>
/// <param name="LogTail">Last lines of the instance log for Failed, empty otherwise.</param>
public sealed record InstanceStatusReport(
    string ServiceId,
    string InstanceId,
    int InstanceNumber,
    long Epoch,
    InstanceStatus Status,
    string? Detail,
    int? ExitCode,
    IReadOnlyList<string> LogTail,
    DateTimeOffset At);
