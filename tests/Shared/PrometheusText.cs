using System.Globalization;
using System.Text.RegularExpressions;

namespace Oakestra.Actors.Tests.Shared;

/// <summary>Reads values out of a Prometheus text-format scrape (docs/METRICS.md), as a user's PromQL would pick them.</summary>
public static class PrometheusText
{
    /// <summary>The value of the first series of <paramref name="name"/> whose labels hold every one of <paramref name="labels"/> (e.g. <c>direction="in"</c>); NaN if none.</summary>
    public static double Value(string text, string name, params string[] labels)
    {
        foreach (Match m in Regex.Matches(text, $@"^{Regex.Escape(name)}(\{{(?<labels>[^}}]*)\}})? (?<value>\S+)( \d+)?$", RegexOptions.Multiline))
            if (labels.All(l => m.Groups["labels"].Value.Contains(l, StringComparison.Ordinal)))
                return double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
        return double.NaN;
    }
}
