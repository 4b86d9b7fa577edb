using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;

namespace Spillway.Sinks.Internal;

/// <summary>The provider-neutral reader: builds the SELECT or DELETE from configured names, binds values as parameters.</summary>
internal sealed class SqlTableReader : ITableReader
{
    private readonly SqlDialect dialect;
    private readonly ConnectionCap cap;
    private readonly ConnectionRunner runner;
    private readonly string selectList;
    private readonly Dictionary<string, ReadColumn> byName;

    public SqlTableReader(TableReaderOptions options, DatabaseUrl url, SqlDialect dialect)
    {
        Name = options.Sink.Name;
        this.dialect = dialect;
        cap = new ConnectionCap(options.MaxConnections, options.Sink.BorrowTimeout, options.Sink.TimeProvider);
        runner = new ConnectionRunner(Name, dialect, cap, url.ToString());
        var shape = dialect.Shape;
        var all = new List<ReadColumn> { new(shape.IdColumn, ColumnType.Text, IsId: true) };
        all.AddRange(shape.Columns.Select(c => new ReadColumn(c.Column, c.Type)));
        if (shape.CreatedAtColumn is not null)
        {
            all.Add(new ReadColumn(shape.CreatedAtColumn, ColumnType.Timestamp));
        }

        var known = all.ToDictionary(c => c.Name, StringComparer.Ordinal);
        if (options.Columns is { } wanted)
        {
            var chosen = new List<ReadColumn> { all[0] };
            foreach (var name in wanted)
            {
                if (!known.TryGetValue(name, out var column))
                {
                    throw new ArgumentException(
                        $"Column '{name}' is not a column of sink '{Name}' (it has {string.Join(", ", known.Keys)}).", nameof(options));
                }

                if (!chosen.Contains(column))
                {
                    chosen.Add(column);
                }
            }

            all = chosen;
        }

        Columns = all;
        byName = all.ToDictionary(c => c.Name, StringComparer.Ordinal);
        CreatedAtColumn = shape.CreatedAtColumn;
        selectList = string.Join(", ", all.Select(c => dialect.Quote(c.Name)));
    }

    public string Name { get; }

    public string Provider => dialect.Provider;

    public IReadOnlyList<ReadColumn> Columns { get; }

    public string? CreatedAtColumn { get; }

    public Task<long> ReadAsync(TableQuery query, Func<TableRow, CancellationToken, ValueTask> onRow, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(onRow);
        if (query.Limit is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(query), "Limit must not be negative.");
        }

        var filters = query.Filters.Select(f => (Column: Find(f.Column), Filter: f)).ToList();
        return runner.RunAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            var sql = new StringBuilder("SELECT ").Append(selectList).Append(" FROM ").Append(dialect.Quote(dialect.Shape.Table));
            var where = " WHERE ";
            if (query.After is { } after)
            {
                sql.Append(where).Append(dialect.Quote(dialect.Shape.IdColumn)).Append(" > ")
                    .Append(dialect.AddParameter(command, dialect.IdParameter(after)));
                where = " AND ";
            }

            foreach (var (column, filter) in filters)
            {
                sql.Append(where).Append(dialect.Quote(column.Name)).Append(Operator(filter.Operator))
                    .Append(dialect.AddParameter(command, ParameterValue(column, filter.Value)));
                where = " AND ";
            }

            sql.Append(" ORDER BY ").Append(dialect.Quote(dialect.Shape.IdColumn));
            if (query.Limit is { } limit)
            {
                sql.Append(" LIMIT ").Append(limit.ToString(CultureInfo.InvariantCulture));
            }

            command.CommandText = sql.ToString();
            await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct).ConfigureAwait(false);
            var row = new TableRow(reader, dialect, Columns);
            long rows = 0;
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                row.Reset();
                await onRow(row, ct).ConfigureAwait(false);
                rows++;
            }

            return rows;
        }, cancellationToken);
    }

    public bool CopiesCsv => dialect.CopiesCsv;

    public Task CopyCsvAsync(TableQuery query, Func<ICsvRecordSource, CancellationToken, Task> consume, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(consume);
        if (!dialect.CopiesCsv)
        {
            throw new NotSupportedException($"Sink '{Name}' ({Provider}) does not write CSV itself; read the rows instead.");
        }

        var copy = new CsvCopyQuery(
            dialect.Shape.Table,
            dialect.Shape.IdColumn,
            Columns,
            [.. query.Filters.Select(f => (Find(f.Column), f.Operator, f.Value))],
            query.After,
            query.Limit is < 0 ? throw new ArgumentOutOfRangeException(nameof(query), "Limit must not be negative.") : query.Limit);
        return runner.RunAsync(async (connection, ct) =>
        {
            await dialect.CopyCsvAsync(connection, copy, consume, ct).ConfigureAwait(false);
            return 0;
        }, cancellationToken);
    }

    public Task<int> DeleteOlderThanAsync(DateTime cutoffUtc, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (CreatedAtColumn is null)
        {
            throw new InvalidOperationException($"Sink '{Name}' has no created-at column, so rows have no age to delete by.");
        }

        var sql = dialect.DeleteOlderThanSql(batchSize);
        return runner.RunAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            dialect.AddParameter(command, dialect.TimestampParameter(DateTime.SpecifyKind(cutoffUtc, DateTimeKind.Utc)));
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await dialect.DisposeAsync().ConfigureAwait(false);
        cap.Dispose();
    }

    private ReadColumn Find(string name) => byName.TryGetValue(name, out var column)
        ? column
        : throw new ArgumentException($"Column '{name}' is not read by the reader of sink '{Name}'.", nameof(name));

    private object ParameterValue(ReadColumn column, object value) => (column.IsId, value) switch
    {
        (true, Guid id) => dialect.IdParameter(id),
        (false, DateTime time) => dialect.TimestampParameter(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
        (false, string or long or double or bool) => value,
        _ => throw new ArgumentException($"A filter on column '{column.Name}' has a value of type {value.GetType().Name}.", nameof(value)),
    };

    internal static string Operator(FilterOperator op) => op switch
    {
        FilterOperator.Equal => " = ",
        FilterOperator.GreaterThan => " > ",
        FilterOperator.GreaterOrEqual => " >= ",
        FilterOperator.LessThan => " < ",
        FilterOperator.LessOrEqual => " <= ",
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };
}
