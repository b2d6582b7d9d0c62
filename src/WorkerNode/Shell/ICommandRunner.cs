namespace Oakestra.Actors.WorkerNode.Shell;

/// <summary>Runs host commands (iproute2, sysctl, …) as argument vectors, never through a shell string.</summary>
public interface ICommandRunner
{
    /// <summary>Runs the command; throws <see cref="CommandFailedException"/> on a non-zero exit or timeout.</summary>
    Task<CommandResult> RunAsync(IReadOnlyList<string> command, CancellationToken cancellationToken = default);

    /// <summary>Runs the command and returns its result whatever the exit code (still throws on timeout).
    /// Only for probing whether something exists, never for a step that must succeed.</summary>
    Task<CommandResult> TryRunAsync(IReadOnlyList<string> command, CancellationToken cancellationToken = default);

    /// <summary>The argument vector actually executed for <paramref name="command"/> (with any context prefix),
    /// for callers that must start a long-lived process themselves.</summary>
    IReadOnlyList<string> Resolve(IReadOnlyList<string> command);
}
