namespace Oakestra.Actors.WorkerNode.Shell;

/// <summary>What a finished command printed and how it ended.</summary>
public sealed record CommandResult(IReadOnlyList<string> Command, int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;
}
