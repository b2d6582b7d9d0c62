namespace Oakestra.Actors.WorkerNode.Shell;

/// <summary>Renders an argument vector for humans (log lines, exception messages); never executed.</summary>
public static class CommandLineText
{
    public static string Format(IEnumerable<string> command) => string.Join(' ', command.Select(Quote));

    private static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsLetterOrDigit(c) || "-_./:=@%+,".Contains(c))
            ? arg
            : "'" + arg.Replace("'", "'\\''") + "'";
}
