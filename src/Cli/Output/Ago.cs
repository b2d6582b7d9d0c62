using System.Globalization;

namespace Oakestra.Actors.Cli.Output;

/// <summary>A past moment as people read it in a table: "3s ago", "4m ago", "2h ago", "5d ago".</summary>
public static class Ago
{
    public static string Render(DateTimeOffset at, DateTimeOffset now)
    {
        // A clock a little ahead of ours (another machine) must not print "-1s ago".
        var s = Math.Max(0, (long)Math.Floor((now - at).TotalSeconds));
        return s switch
        {
            < 60 => $"{s}s ago",
            < 3600 => $"{s / 60}m ago",
            < 86400 => $"{s / 3600}h ago",
            _ => $"{s / 86400}d ago",
        };
    }

    /// <summary>An ISO-8601 time from the root, or "-" when there is none or it is not a time.</summary>
    public static string Render(string? iso, DateTimeOffset now) =>
        DateTimeOffset.TryParse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? Render(at, now) : "-";
}
