using System.Text;

namespace Oakestra.Actors.Cli.Output;

/// <summary>Left-aligned columns separated by two spaces, header in capitals; empty cells show "-".</summary>
public sealed class Table(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public int Count => _rows.Count;

    public Table Add(params object?[] cells)
    {
        if (cells.Length != headers.Length) throw new ArgumentException($"row has {cells.Length} cells, table has {headers.Length} columns");
        _rows.Add(cells.Select(Cell).ToArray());
        return this;
    }

    public static string Cell(object? value) => value switch
    {
        null => "-",
        string s when s.Length == 0 => "-",
        double d => d.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "-",
    };

    public override string ToString()
    {
        var widths = headers.Select(h => h.Length).ToArray();
        foreach (var row in _rows)
            for (var i = 0; i < row.Length; i++) widths[i] = Math.Max(widths[i], row[i].Length);
        var sb = new StringBuilder();
        Line(sb, headers.Select(h => h.ToUpperInvariant()).ToArray(), widths);
        foreach (var row in _rows) Line(sb, row, widths);
        return sb.ToString();
    }

    private static void Line(StringBuilder sb, string[] cells, int[] widths)
    {
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0) sb.Append("  ");
            sb.Append(i == cells.Length - 1 ? cells[i] : cells[i].PadRight(widths[i]));
        }
        sb.Append('\n');
    }
}
