namespace Oakestra.Actors.Cli;

/// <summary>
/// What a command may touch of the outside world: its two output streams, the environment and the
/// repository it belongs to, and the clock ("3s ago"). Tests pass their own, so no command reads Console,
/// the real env or the wall clock directly.
/// </summary>
public sealed record CliContext(TextWriter Out, TextWriter Err, Func<string, string?> Env, string? RepoRoot, TimeProvider? Clock = null)
{
    public DateTimeOffset Now => (Clock ?? TimeProvider.System).GetUtcNow();

    public static CliContext FromProcess() =>
        new(Console.Out, Console.Error, Environment.GetEnvironmentVariable, RepoLocator.Find(Environment.GetEnvironmentVariable));

    /// <summary>The lab's runtime folder (<c>.lab/</c> at the repository root), or null outside a checkout.</summary>
    public Lab.LabPaths? LabPaths => RepoRoot is null ? null : new Lab.LabPaths(RepoRoot);
}

public static class RepoLocator
{
    public const string Marker = "Oakestra.Actors.sln";

    /// <summary><c>OAK_HOME</c> (set by ./oak), else the nearest folder holding the solution above cwd or the binary.</summary>
    public static string? Find(Func<string, string?> env)
    {
        if (env("OAK_HOME") is { Length: > 0 } home && File.Exists(Path.Combine(home, Marker))) return Path.GetFullPath(home);
        return Up(Directory.GetCurrentDirectory()) ?? Up(AppContext.BaseDirectory);
    }

    private static string? Up(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, Marker))) return dir.FullName;
        return null;
    }
}
