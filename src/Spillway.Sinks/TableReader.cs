using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Spillway.Sinks.Internal;

namespace Spillway.Sinks;

/// <summary>
/// Reads a sink's table back: pages in id order (ids are UUID v7, so that is the order of arrival), filters, streams
/// of any length, and batched deletes of old rows. Only the columns it was built with are ever named in SQL, always
/// quoted; values only ever travel as parameters.
/// </summary>
public interface ITableReader : IAsyncDisposable
{
    /// <summary>The sink's name.</summary>
    string Name { get; }

    /// <summary>The database provider ("sqlite", "postgresql" or "mysql").</summary>
    string Provider { get; }

    /// <summary>The columns read, the id first.</summary>
    IReadOnlyList<ReadColumn> Columns { get; }

    /// <summary>The created-at column; null when the table has none.</summary>
    string? CreatedAtColumn { get; }

    /// <summary>
    /// Runs the query and hands each row, in id order, to <paramref name="onRow"/> while the result is still streaming
    /// from the database (memory stays flat however many rows there are). Returns the number of rows. Throws
    /// <see cref="SinkUnavailableException"/> when the database cannot be reached or drops the connection meanwhile.
    /// </summary>
    Task<long> ReadAsync(TableQuery query, Func<TableRow, CancellationToken, ValueTask> onRow, CancellationToken cancellationToken = default);

    /// <summary>Whether <see cref="CopyCsvAsync"/> works: the database has a bulk export to read (PostgreSQL).</summary>
    bool CopiesCsv { get; }

    /// <summary>
    /// Runs the query through the database's bulk export (PostgreSQL's binary COPY) and hands its rows, in id order, as
    /// <see cref="CsvFields"/> records to <paramref name="consume"/> while they stream; it reads the source to its end
    /// (on a thread of its choosing: the source blocks). The same text a <see cref="TableRow"/> formatted by
    /// <see cref="CsvFields"/> gives, for a fraction of the work on both sides. Throws
    /// <see cref="NotSupportedException"/> where <see cref="CopiesCsv"/> is false and
    /// <see cref="SinkUnavailableException"/> as <see cref="ReadAsync"/> does.
    /// </summary>
    Task CopyCsvAsync(TableQuery query, Func<ICsvRecordSource, CancellationToken, Task> consume, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes at most <paramref name="batchSize"/> rows created before <paramref name="cutoffUtc"/> in one short
    /// statement; returns how many went. Throws <see cref="InvalidOperationException"/> when the table has no
    /// created-at column.
    /// </summary>
    Task<int> DeleteOlderThanAsync(DateTime cutoffUtc, int batchSize, CancellationToken cancellationToken = default);
}

/// <summary>Settings of a <see cref="ITableReader"/>.</summary>
public sealed class TableReaderOptions
{
    /// <summary>The sink whose table is read: its URL, table and columns. Required.</summary>
    public required SqlSinkOptions Sink { get; init; }

    /// <summary>
    /// The columns to read, from the sink's id, mapped and created-at columns; the id is always read (first).
    /// Defaults to null: all of them.
    /// </summary>
    public IReadOnlyList<string>? Columns { get; init; }

    /// <summary>
    /// Most connections reads and deletes use at once, on top of the sink's own. Defaults to 4: readers get their own
    /// small pool so that a slow export or a busy read API never takes a connection a write is waiting for.
    /// </summary>
    public int MaxConnections { get; init; } = 4;
}

/// <summary>A column a reader returns.</summary>
/// <param name="Name">The column's name.</param>
/// <param name="Type">Its type; the id column is <see cref="ColumnType.Text"/> with <paramref name="IsId"/> set.</param>
/// <param name="IsId">Whether this is the id column (a UUID).</param>
public sealed record ReadColumn(string Name, ColumnType Type, bool IsId = false)
{
    /// <summary>
    /// Parses a filter value written as text: a UUID for the id, ISO-8601 for timestamps, invariant numbers,
    /// true/false. Returns false when <paramref name="text"/> is not a value of this column's type.
    /// </summary>
    public bool TryParse(string text, out object value)
    {
        ArgumentNullException.ThrowIfNull(text);
        value = text;
        if (IsId)
        {
            var ok = Guid.TryParse(text, out var id);
            value = id;
            return ok;
        }

        switch (Type)
        {
            case ColumnType.Integer when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer):
                value = integer;
                return true;
            case ColumnType.Real when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real)
                                      && double.IsFinite(real):
                value = real;
                return true;
            case ColumnType.Boolean when bool.TryParse(text, out var boolean):
                value = boolean;
                return true;
            case ColumnType.Timestamp when text.Length >= 10 && char.IsAsciiDigit(text[0]) && DateTimeOffset.TryParse(
                text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time):
                value = time.UtcDateTime;
                return true;
            case ColumnType.Text:
                return true;
            default:
                return false;
        }
    }
}

/// <summary>Comparison of a <see cref="TableFilter"/>.</summary>
public enum FilterOperator
{
    /// <summary>column = value.</summary>
    Equal,
    /// <summary>column &gt; value.</summary>
    GreaterThan,
    /// <summary>column &gt;= value.</summary>
    GreaterOrEqual,
    /// <summary>column &lt; value.</summary>
    LessThan,
    /// <summary>column &lt;= value.</summary>
    LessOrEqual,
}

/// <summary>One condition of a query.</summary>
/// <param name="Column">A column of the reader.</param>
/// <param name="Operator">The comparison.</param>
/// <param name="Value">A value as <see cref="ReadColumn.TryParse"/> makes it (Guid, string, long, double, bool, UTC DateTime).</param>
public sealed record TableFilter(string Column, FilterOperator Operator, object Value);

/// <summary>A read: conditions (all must hold), where to resume, how many rows.</summary>
public sealed record TableQuery
{
    /// <summary>Conditions, all of which must hold. Defaults to none.</summary>
    public IReadOnlyList<TableFilter> Filters { get; init; } = [];

    /// <summary>Only rows whose id is greater than this (keyset pagination). Defaults to null: from the first row.</summary>
    public Guid? After { get; init; }

    /// <summary>Most rows to return; null for all.</summary>
    public int? Limit { get; init; }
}

/// <summary>
/// The current row of a read, valid only inside the callback it is handed to. Columns are read in order (the result
/// streams in sequential-access mode), each at most once; the id, column 0, through <see cref="Id"/>.
/// </summary>
public sealed class TableRow
{
    private readonly DbDataReader reader;
    private readonly SqlDialect dialect;
    private readonly JsonEncodedText[] names;

    internal TableRow(DbDataReader reader, SqlDialect dialect, IReadOnlyList<ReadColumn> columns)
    {
        this.reader = reader;
        this.dialect = dialect;
        Columns = columns;
        // Once per query, not once per row and column: a million-row NDJSON export writes each name a million times.
        names = [.. columns.Select(c => JsonEncodedText.Encode(c.Name))];
    }

    /// <summary>The columns, in the reader's order.</summary>
    public IReadOnlyList<ReadColumn> Columns { get; }

    private Guid? id;

    /// <summary>The row's id (column 0). Read once per row, since the result is read in sequential-access mode.</summary>
    public Guid Id => id ??= dialect.ReadId(reader, 0);

    public bool IsNull(int ordinal) => reader.IsDBNull(ordinal);

    /// <summary>Moves on to the next row.</summary>
    internal void Reset() => id = null;

    /// <summary>Text and JSON columns.</summary>
    public string GetString(int ordinal) => reader.GetString(ordinal);

    public long GetInt64(int ordinal) => reader.GetInt64(ordinal);

    public double GetDouble(int ordinal) => reader.GetDouble(ordinal);

    public bool GetBoolean(int ordinal) => dialect.ReadBoolean(reader, ordinal);

    /// <summary>A timestamp column, in UTC.</summary>
    public DateTime GetTimestamp(int ordinal) => dialect.ReadTimestamp(reader, ordinal);

    /// <summary>Writes the row as one JSON object: ids and times as strings (ISO-8601 UTC), JSON columns as JSON.</summary>
    public void WriteJson(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString(names[0], Id);
        for (var i = 1; i < Columns.Count; i++)
        {
            var column = Columns[i];
            writer.WritePropertyName(names[i]);
            if (IsNull(i))
            {
                writer.WriteNullValue();
                continue;
            }

            switch (column.Type)
            {
                case ColumnType.Integer:
                    writer.WriteNumberValue(GetInt64(i));
                    break;
                case ColumnType.Real:
                    writer.WriteNumberValue(GetDouble(i));
                    break;
                case ColumnType.Boolean:
                    writer.WriteBooleanValue(GetBoolean(i));
                    break;
                case ColumnType.Timestamp:
                    writer.WriteStringValue(GetTimestamp(i));
                    break;
                case ColumnType.Json:
                    writer.WriteRawValue(GetString(i));
                    break;
                default:
                    writer.WriteStringValue(GetString(i));
                    break;
            }
        }

        writer.WriteEndObject();
    }
}
