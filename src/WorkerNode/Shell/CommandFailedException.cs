namespace Oakestra.Actors.WorkerNode.Shell;

/// <summary>
/// A host command exited non-zero or timed out. The message carries the full command line, the exit code
/// and stderr, because a network setup failure is only diagnosable with all three (the reference
/// implementation silently ignores failed route commands; we never do).
/// </summary>
public sealed class CommandFailedException : Exception
{
    public CommandFailedException(IReadOnlyList<string> command, int? exitCode, string standardError, string? reason = null)
        : base(Describe(command, exitCode, standardError, reason))
    {
        Command = command;
        ExitCode = exitCode;
        StandardError = standardError;
    }

    public IReadOnlyList<string> Command { get; }

    /// <summary>Null when the command did not exit by itself (timeout).</summary>
    public int? ExitCode { get; }

    public string StandardError { get; }

    public string CommandLine => CommandLineText.Format(Command);

    private static string Describe(IReadOnlyList<string> command, int? exitCode, string standardError, string? reason)
    {
        var how = reason ?? $"exited with code {exitCode}";
        var err = standardError.Trim();
        return $"Command `{CommandLineText.Format(command)}` {how}" + (err.Length > 0 ? $": {err}" : " (no stderr)");
    }
}
