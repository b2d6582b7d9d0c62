namespace Oakestra.Actors.Cli.Api;

/// <summary>A command that could not do its job: exit code 1 and the message as one line on stderr.</summary>
public sealed class CliFailure(string message) : Exception(OneLine(message))
{
    public static string OneLine(string text)
    {
        var flat = string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()));
        return flat.Length > 400 ? flat[..400] + "…" : flat;
    }
}
