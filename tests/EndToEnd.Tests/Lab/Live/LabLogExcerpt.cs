using System.Text;
using System.Text.RegularExpressions;

namespace Oakestra.Actors.EndToEnd.Tests.Lab.Live;

/// <summary>
/// What the lab's processes said last (warnings, errors and the link/membership lines), printed when a live
/// step fails: a CI run keeps no .lab/, and a chaos step that fails only there must explain itself from its output.
/// </summary>
public static partial class LabLogExcerpt
{
    // One entry of the console logger: "warn: Category[0]" then indented lines.
    [GeneratedRegex(@"^(trce|dbug|info|warn|fail|crit): ", RegexOptions.CultureInvariant)]
    private static partial Regex EntryStart();

    [GeneratedRegex(@"root tier|incarnation|joined|Welcome|SBR|quarantin|Leader is|refus|left the site|leaving|removed", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex Interesting();

    public static string Of(string repo, int perProcess = 14, int maxChars = 400)
    {
        var dir = Path.Combine(repo, ".lab", "logs");
        if (!Directory.Exists(dir)) return "(no .lab/logs)";
        var text = new StringBuilder();
        foreach (var file in Directory.GetFiles(dir, "*.log").Order(StringComparer.Ordinal))
        {
            var kept = Entries(file).Where(e => !e.StartsWith("info", StringComparison.Ordinal) || Interesting().IsMatch(e))
                .TakeLast(perProcess).ToList();
            text.AppendLine($"--- {Path.GetFileName(file)}: last {kept.Count} warnings, errors and link/membership lines");
            foreach (var e in kept) text.AppendLine(e.Length > maxChars ? e[..maxChars] + "…" : e);
        }
        return text.ToString();
    }

    private static IEnumerable<string> Entries(string file)
    {
        string[] lines;
        try { lines = File.ReadAllLines(file); }
        catch (IOException e) { return [$"(unreadable: {e.Message})"]; }
        var entries = new List<string>();
        var current = new StringBuilder();
        foreach (var line in lines)
        {
            if (EntryStart().IsMatch(line) && current.Length > 0)
            {
                entries.Add(current.ToString());
                current.Clear();
            }
            if (current.Length > 0) current.Append(' ');
            current.Append(line.Trim());
        }
        if (current.Length > 0) entries.Add(current.ToString());
        return entries;
    }
}
