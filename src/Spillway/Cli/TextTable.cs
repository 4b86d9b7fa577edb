using System.Globalization;

namespace Spillway.Cli;

/// <summary>A plain table for the terminal: columns padded to their widest cell, numbers right-aligned.</summary>
internal sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> rows = [];
    private readonly bool[] numeric = new bool[headers.Length];

    /// <summary>Adds a row; numbers are formatted with thousands separators and right-aligned.</summary>
    public void Add(params object?[] cells)
    {
        var row = new string[headers.Length];
        for (var i = 0; i < headers.Length; i++)
        {
            var cell = i < cells.Length ? cells[i] : null;
            numeric[i] |= cell is int or long or double;
            row[i] = cell switch
            {
                null => "-",
                int n => n.ToString("N0", CultureInfo.InvariantCulture),
                long n => n.ToString("N0", CultureInfo.InvariantCulture),
                double d => d.ToString("N1", CultureInfo.InvariantCulture),
                _ => Convert.ToString(cell, CultureInfo.InvariantCulture) ?? "",
            };
        }

        rows.Add(row);
    }

    public void Write(TextWriter output)
    {
        var widths = headers.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        output.WriteLine(Line(headers));
        foreach (var row in rows)
        {
            output.WriteLine(Line(row));
        }

        string Line(string[] cells) => string.Join("  ", cells.Select((c, i) => numeric[i] ? c.PadLeft(widths[i]) : c.PadRight(widths[i])))
            .TrimEnd();
    }
}
