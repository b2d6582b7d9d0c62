using System.Text.RegularExpressions;

namespace Oakestra.Actors.Cli.Parsing;

public static partial class ArgParser
{
    /// <summary>Options that take no value. Every other <c>--name</c> takes the next word (or <c>=value</c>).</summary>
    public static readonly IReadOnlySet<string> BooleanFlags =
        new HashSet<string>(StringComparer.Ordinal) { "json", "demo", "help", "no-build", "follow" };

    public static ParsedArgs Parse(IReadOnlyList<string> args)
    {
        var positionals = new List<string>();
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        List<string>? passthrough = null;

        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "--")
            {
                passthrough = args.Skip(i + 1).ToList();
                break;
            }
            if (a is "-h") { flags.Add("help"); continue; }
            if (a is "-f") { flags.Add("follow"); continue; } // `oak logs -f`, as docker and kubectl spell it
            // Negative numbers are positionals: `oak lab place w1 -33.9 151.2`.
            if (a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2)
            {
                var body = a[2..];
                string name;
                string? value = null;
                var eq = body.IndexOf('=');
                if (eq >= 0) { name = body[..eq]; value = body[(eq + 1)..]; }
                else name = body;

                if (BooleanFlags.Contains(name))
                {
                    if (value is not null) throw new UsageException($"--{name} takes no value");
                    flags.Add(name);
                    continue;
                }
                if (value is null)
                {
                    if (i + 1 >= args.Count || (args[i + 1].StartsWith("--", StringComparison.Ordinal)))
                        throw new UsageException($"--{name} needs a value");
                    value = args[++i];
                }
                options[name] = value;
                continue;
            }
            if (a.StartsWith('-') && a.Length > 1 && !NegativeNumber().IsMatch(a))
                throw new UsageException($"unknown option {a}");
            positionals.Add(a);
        }
        return new ParsedArgs(positionals, options, flags, passthrough);
    }

    [GeneratedRegex(@"^-\d+(\.\d+)?$")]
    private static partial Regex NegativeNumber();
}
