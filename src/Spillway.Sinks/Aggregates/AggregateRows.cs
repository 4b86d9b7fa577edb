using System.Globalization;

namespace Spillway.Sinks.Aggregates;

/// <summary>
/// What a row of a shape may hold, checked before anything is written so a bad row is an error naming it, never a
/// partly applied batch: the same rule on all three databases (SQLite would store nearly anything).
/// </summary>
internal static class AggregateRows
{
    /// <summary>The earliest window bound: MariaDB's DATETIME starts at year 1000.</summary>
    private static readonly DateTimeOffset Earliest = new(1000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The values of <paramref name="row"/> (the <paramref name="index"/>th) in the table's column order, as bound.</summary>
    public static void Check(AggregateShape shape, AggregateRow? row, int index)
    {
        if (row is null)
        {
            throw Bad(index, "is null");
        }

        if (row.Keys is null || row.Keys.Count != shape.Keys.Count)
        {
            throw Bad(index, $"has {row.Keys?.Count ?? 0} keys; the shape has {shape.Keys.Count}");
        }

        if (row.Values is null || row.Values.Count != shape.Values.Count)
        {
            throw Bad(index, $"has {row.Values?.Count ?? 0} values; the shape has {shape.Values.Count}");
        }

        for (var i = 0; i < shape.Keys.Count; i++)
        {
            var column = shape.Keys[i];
            if (row.Keys[i] is null)
            {
                throw Bad(index, $"has a null key '{column.Name}'");
            }

            CheckValue(column, row.Keys[i]!, index);
        }

        for (var i = 0; i < shape.Values.Count; i++)
        {
            if (row.Values[i] is { } value)
            {
                CheckValue(shape.Values[i], value, index);
            }
        }

        CheckTime(row.WindowStart, AggregateShape.WindowStart, index);
        CheckTime(row.WindowEnd, AggregateShape.WindowEnd, index);
        if (row.WindowEnd <= row.WindowStart)
        {
            throw Bad(index, $"has window_end {Iso(row.WindowEnd)} not after window_start {Iso(row.WindowStart)}");
        }
    }

    /// <summary>A window bound as results show it: ISO-8601 UTC with milliseconds.</summary>
    public static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static void CheckValue(AggregateColumn column, object value, int index)
    {
        var fits = column.Type switch
        {
            ColumnType.Text => value is string text && FitsText(text, column.MaxLength!.Value),
            ColumnType.Integer => value is long,
            _ => value is double real && double.IsFinite(real),
        };
        if (!fits)
        {
            var wanted = column.Type switch
            {
                ColumnType.Text => $"a string of at most {column.MaxLength} characters, without U+0000 or an unpaired surrogate",
                ColumnType.Integer => "a long",
                _ => "a finite double",
            };
            throw Bad(index, $"has {Describe(value)} for '{column.Name}', which takes {wanted}");
        }
    }

    // Characters as the databases count them (Unicode scalar values); U+0000 is one PostgreSQL cannot store.
    private static bool FitsText(string text, int maxLength)
    {
        var characters = 0;
        for (var i = 0; i < text.Length; i++, characters++)
        {
            var c = text[i];
            if (c == '\0' || char.IsLowSurrogate(c))
            {
                return false;
            }

            if (char.IsHighSurrogate(c))
            {
                if (i + 1 == text.Length || !char.IsLowSurrogate(text[i + 1]))
                {
                    return false;
                }

                i++;
            }
        }

        return characters <= maxLength;
    }

    private static void CheckTime(DateTimeOffset time, string name, int index)
    {
        if (time.UtcTicks % TimeSpan.TicksPerMillisecond != 0)
        {
            throw Bad(index, $"has {name} {time.UtcDateTime:O}, which is not a whole millisecond");
        }

        if (time < Earliest)
        {
            throw Bad(index, $"has {name} {Iso(time)}, before the year 1000");
        }
    }

    private static string Describe(object value) => value switch
    {
        string text => $"the string \"{(text.Length <= 40 ? text : text[..40] + "…")}\"",
        double real => $"the double {real}",
        _ => $"a value of type {value.GetType().Name}",
    };

    private static ArgumentException Bad(int index, string what) => new($"Row {index} {what}.", "rows");
}
