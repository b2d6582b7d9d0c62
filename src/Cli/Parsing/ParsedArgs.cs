namespace Oakestra.Actors.Cli.Parsing;

/// <summary>
/// The command line split once: positionals, options (last one wins), boolean flags and what follows
/// <c>--</c>. Commands read from it and report anything they did not expect as a usage error, so a typo
/// never silently changes what a command does.
/// </summary>
public sealed class ParsedArgs
{
    private readonly HashSet<string> _consumedOptions = new(StringComparer.Ordinal);

    public ParsedArgs(IReadOnlyList<string> positionals, IReadOnlyDictionary<string, string> options,
        IReadOnlySet<string> flags, IReadOnlyList<string>? passthrough)
    {
        Positionals = positionals;
        Options = options;
        Flags = flags;
        Passthrough = passthrough;
    }

    public IReadOnlyList<string> Positionals { get; }
    public IReadOnlyDictionary<string, string> Options { get; }
    public IReadOnlySet<string> Flags { get; }

    /// <summary>The words after <c>--</c>, or null when there was no <c>--</c>.</summary>
    public IReadOnlyList<string>? Passthrough { get; }

    public string? Command => Positionals.Count > 0 ? Positionals[0] : null;

    public bool Json => Flags.Contains("json");

    public bool Has(string flag) => Flags.Contains(flag);

    public string? Option(string name)
    {
        _consumedOptions.Add(name);
        return Options.TryGetValue(name, out var v) ? v : null;
    }

    public int IntOption(string name, int fallback)
    {
        var raw = Option(name);
        if (raw is null) return fallback;
        if (!int.TryParse(raw, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var v) || v < 0)
            throw new UsageException($"--{name} needs a non-negative integer, got '{raw}'");
        return v;
    }

    /// <summary>Options of every command that talks to a root (read by RootAddress and RootCredentials).</summary>
    public static readonly IReadOnlySet<string> Global = new HashSet<string>(StringComparer.Ordinal) { "root", "token", "ca" };

    /// <summary>Fails when an option was given that no code path asked for.</summary>
    public void RejectUnknownOptions()
    {
        var unknown = Options.Keys.Where(k => !_consumedOptions.Contains(k) && !Global.Contains(k)).ToList();
        if (unknown.Count > 0) throw new UsageException($"unknown option --{unknown[0]} for '{Command}'");
    }
}

/// <summary>A wrong command line: exit code 2 and one line saying what is wrong.</summary>
public sealed class UsageException(string message) : Exception(message);
