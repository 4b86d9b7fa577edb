using Spillway.Sinks.Internal;

namespace Spillway.Sinks.Aggregates;

/// <summary>
/// The validated layout of an aggregation's results table: the key columns, <see cref="WindowStart"/> and
/// <see cref="WindowEnd"/> (UTC timestamps to the millisecond), then the aggregate values. A row is identified by its
/// keys and window; the table's primary key is (window_start, keys…, window_end), the order results are read in.
/// Throws <see cref="ArgumentException"/> naming what is wrong.
/// </summary>
public sealed class AggregateShape
{
    /// <summary>The column of a window's inclusive start.</summary>
    public const string WindowStart = "window_start";

    /// <summary>The column of a window's exclusive end.</summary>
    public const string WindowEnd = "window_end";

    /// <summary>Most key and value columns together: far beyond any GROUP BY with its aggregates, far below every database's limit.</summary>
    public const int MaxColumns = 100;

    /// <summary>
    /// Most bytes a row's key may take in MariaDB's index (InnoDB's 3,072, counting 4 bytes per character of text and 8
    /// per number or time), so a shape that one database takes, every database takes.
    /// </summary>
    public const int MaxKeyBytes = 3_072;

    /// <summary>Characters a text key column holds when its <see cref="AggregateColumn.MaxLength"/> is not set.</summary>
    public const int DefaultTextKeyLength = 200;

    /// <param name="table">The results table's name (a plain identifier).</param>
    /// <param name="keys">The key columns, in order: text, integer or real; none for a window over all records.</param>
    /// <param name="values">The aggregate columns: integer (counts, distinct counts) or real (sums, averages, percentiles).</param>
    public AggregateShape(string table, IReadOnlyList<AggregateColumn> keys, IReadOnlyList<AggregateColumn> values)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(values);
        TableShape.CheckIdentifier(table, "Table");
        if (string.Equals(table, SqlDialect.AggregateCheckpointTable, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"Table '{table}' is where aggregation checkpoints are kept; choose another name.", nameof(table));
        }

        if (keys.Count + values.Count > MaxColumns)
        {
            throw new ArgumentException(
                $"The shape has {keys.Count} key and {values.Count} value columns; at most {MaxColumns} together.", nameof(values));
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { WindowStart, WindowEnd };
        var keyBytes = 16;
        var checkedKeys = new List<AggregateColumn>(keys.Count);
        foreach (var key in keys)
        {
            var column = Check(key, names, "Keys");
            if (column.Type is not (ColumnType.Text or ColumnType.Integer or ColumnType.Real))
            {
                throw new ArgumentException($"Key column '{column.Name}' is {column.Type}; a key is Text, Integer or Real.", nameof(keys));
            }

            if (column.Type == ColumnType.Text)
            {
                column = column with { MaxLength = column.MaxLength ?? DefaultTextKeyLength };
                keyBytes += column.MaxLength!.Value * 4;
            }
            else if (column.MaxLength is not null)
            {
                throw new ArgumentException($"Key column '{column.Name}' is {column.Type}; only text has a MaxLength.", nameof(keys));
            }
            else
            {
                keyBytes += 8;
            }

            checkedKeys.Add(column);
        }

        if (keyBytes > MaxKeyBytes)
        {
            throw new ArgumentException(
                $"The key columns take up to {keyBytes} bytes in an index; at most {MaxKeyBytes} (4 bytes per character of text, "
                + "8 per number, 16 for the window): shorten the text keys' MaxLength.", nameof(keys));
        }

        foreach (var value in values)
        {
            var column = Check(value, names, "Values");
            if (column.Type is not (ColumnType.Integer or ColumnType.Real) || column.MaxLength is not null)
            {
                throw new ArgumentException(
                    $"Value column '{column.Name}' is {column.Type}; a value is Integer or Real, without a MaxLength.", nameof(values));
            }
        }

        Table = table;
        Keys = checkedKeys;
        Values = [.. values];
    }

    /// <summary>The results table's name.</summary>
    public string Table { get; }

    /// <summary>The key columns; a text one with its MaxLength filled in.</summary>
    public IReadOnlyList<AggregateColumn> Keys { get; }

    /// <summary>The aggregate columns.</summary>
    public IReadOnlyList<AggregateColumn> Values { get; }

    /// <summary>Every column in the table's order: keys, window_start, window_end, values.</summary>
    public IReadOnlyList<AggregateColumn> Columns =>
        [.. Keys, new(WindowStart, ColumnType.Timestamp), new(WindowEnd, ColumnType.Timestamp), .. Values];

    private static AggregateColumn Check(AggregateColumn? column, HashSet<string> names, string list)
    {
        if (column is null)
        {
            throw new ArgumentException($"{list} holds a null column.", list);
        }

        TableShape.CheckIdentifier(column.Name, list + ".Name");
        if (!names.Add(column.Name))
        {
            throw new ArgumentException(
                $"Column '{column.Name}' appears twice (names are compared ignoring case; {WindowStart} and {WindowEnd} are taken).", list);
        }

        if (column.MaxLength is < 1 or > 10_000)
        {
            throw new ArgumentException($"Column '{column.Name}' has MaxLength {column.MaxLength}; it must be from 1 to 10000.", list);
        }

        return column;
    }
}

/// <summary>A key or value column of an <see cref="AggregateShape"/>.</summary>
/// <param name="Name">The column's name: 1 to 63 ASCII letters, digits or '_', not starting with a digit.</param>
/// <param name="Type">Text (keys only), Integer or Real.</param>
/// <param name="MaxLength">Most characters of a text key; defaults to <see cref="AggregateShape.DefaultTextKeyLength"/>.</param>
public sealed record AggregateColumn(string Name, ColumnType Type, int? MaxLength = null);
