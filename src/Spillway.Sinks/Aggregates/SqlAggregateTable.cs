using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Spillway.Sinks.Internal;

namespace Spillway.Sinks.Aggregates;

/// <summary>
/// The provider-neutral results table: checks rows, then writes them and the checkpoint in one transaction through the
/// dialect's statements, on a connection the <see cref="ConnectionRunner"/> borrows through the cap.
/// </summary>
internal sealed class SqlAggregateTable : IAggregateTable
{
    private const int MaxOwnerLength = 200; // the checkpoint table's owner column on MariaDB
    private const int MaxPageRows = 10_000;

    private readonly SqlDialect dialect;
    private readonly ConnectionCap cap;
    private readonly ConnectionRunner runner;
    private readonly string table;
    private readonly string selectList;
    private readonly string orderBy;
    private readonly int rowsPerStatement;
    private string? fullStatementSql;
    private long? maxCheckpointBytes;
    private int checkpointTableReady;

    public SqlAggregateTable(string name, SqlSinkOptions database, DatabaseUrl url, SqlDialect dialect, AggregateShape shape)
    {
        Name = name;
        Shape = shape;
        this.dialect = dialect;
        cap = new ConnectionCap(database.MaxConnections, database.BorrowTimeout, database.TimeProvider);
        runner = new ConnectionRunner(name, dialect, cap, url.ToString());
        table = dialect.Quote(shape.Table);
        selectList = string.Join(", ", shape.Columns.Select(c => dialect.Quote(c.Name)));
        orderBy = string.Join(", ", SqlDialect.AggregateOrder(shape).Select(dialect.Quote));
        rowsPerStatement = dialect.AggregateRowsPerStatement(shape);
    }

    public string Name { get; }

    public string Provider => dialect.Provider;

    public AggregateShape Shape { get; }

    public Task EnsureCreatedAsync(CancellationToken cancellationToken = default) =>
        runner.RunAsync(async (connection, ct) =>
        {
            await ExecuteAsync(connection, dialect.CreateAggregateTableSql(Shape), ct).ConfigureAwait(false);
            await ExecuteAsync(connection, dialect.CreateAggregateCheckpointTableSql(), ct).ConfigureAwait(false);
            Volatile.Write(ref checkpointTableReady, 1);

            // Compared even right after CREATE … IF NOT EXISTS: the table may have been there, made for another shape.
            var differences = Differences(await dialect.ReadTableColumnsAsync(connection, Shape.Table, ct).ConfigureAwait(false));
            if (differences.Count > 0)
            {
                throw new InvalidOperationException(
                    $"Aggregation '{Name}': table '{Shape.Table}' exists with another shape ({string.Join("; ", differences)}). It is left "
                    + "as it is: drop it or choose another table.");
            }

            return 0;
        }, cancellationToken);

    public Task UpsertAsync(
        IReadOnlyList<AggregateRow> rows, string owner, ReadOnlyMemory<byte> checkpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        CheckOwner(owner);
        for (var i = 0; i < rows.Count; i++)
        {
            AggregateRows.Check(Shape, rows[i], i);
        }

        var unique = LastPerWindow(rows);
        var bytes = MemoryMarshal.TryGetArray(checkpoint, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : checkpoint.ToArray();
        return runner.RunAsync(async (connection, ct) =>
        {
            await EnsureCheckpointTableAsync(connection, ct).ConfigureAwait(false);
            maxCheckpointBytes ??= await dialect.MaxCheckpointBytesAsync(connection, ct).ConfigureAwait(false) ?? long.MaxValue;
            if (bytes.Length > maxCheckpointBytes)
            {
                throw new InvalidOperationException(
                    $"Aggregation '{Name}': a checkpoint of {bytes.Length} bytes is more than the database takes in one statement "
                    + $"({maxCheckpointBytes} bytes; raise the server's max_allowed_packet). Nothing was written.");
            }

            await using var transaction = await dialect.BeginWriteAsync(connection, ct).ConfigureAwait(false);
            await WriteRowsAsync(connection, transaction, unique, ct).ConfigureAwait(false);
            await using (var command = Command(connection, transaction, dialect.AggregateCheckpointUpsertSql(), owner, bytes))
            {
                // Prepared, a checkpoint travels as raw bytes in the binary protocol rather than escaped into the text.
                await command.PrepareAsync(ct).ConfigureAwait(false);
                await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return 0;
        }, cancellationToken);
    }

    public Task<byte[]?> ReadCheckpointAsync(string owner, CancellationToken cancellationToken = default)
    {
        CheckOwner(owner);
        return runner.RunAsync(async (connection, ct) =>
        {
            if (!await TableExistsAsync(connection, SqlDialect.AggregateCheckpointTable, ct).ConfigureAwait(false))
            {
                return null;
            }

            await using var command = Command(connection, null, dialect.AggregateCheckpointSelectSql(), owner);
            return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) as byte[];
        }, cancellationToken);
    }

    public Task DropAsync(string owner, CancellationToken cancellationToken = default)
    {
        CheckOwner(owner);
        return runner.RunAsync(async (connection, ct) =>
        {
            if (await TableExistsAsync(connection, SqlDialect.AggregateCheckpointTable, ct).ConfigureAwait(false))
            {
                await using var delete = Command(connection, null, dialect.AggregateCheckpointDeleteSql(), owner);
                await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            await ExecuteAsync(connection, $"DROP TABLE IF EXISTS {table}", ct).ConfigureAwait(false);
            return 0;
        }, cancellationToken);
    }

    public Task<AggregatePage> ReadPageAsync(AggregatePageRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Limit is < 1 or > MaxPageRows)
        {
            throw new ArgumentException($"Limit is {request.Limit}; it must be from 1 to {MaxPageRows}.", nameof(request));
        }

        (DateTime Start, object[] Keys, DateTime End)? after = request.After is null ? null : AggregateCursor.Decode(Shape, request.After);
        return runner.RunAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            var sql = new StringBuilder("SELECT ").Append(selectList).Append(" FROM ").Append(table);
            var conditions = new List<string>();
            var start = dialect.Quote(AggregateShape.WindowStart);
            if (request.WindowStartFrom is { } from)
            {
                conditions.Add($"{start} >= {Bind(command, dialect.WindowTimeValue(from.UtcDateTime))}");
            }

            if (request.WindowStartBefore is { } before)
            {
                conditions.Add($"{start} < {Bind(command, dialect.WindowTimeValue(before.UtcDateTime))}");
            }

            if (after is { } position)
            {
                object[] values = [dialect.WindowTimeValue(position.Start), .. position.Keys, dialect.WindowTimeValue(position.End)];
                conditions.Add(AfterCondition(command, values));
            }

            if (conditions.Count > 0)
            {
                sql.Append(" WHERE ").AppendJoin(" AND ", conditions);
            }

            // One row past the page tells whether another page follows.
            sql.Append(" ORDER BY ").Append(orderBy).Append(" LIMIT ").Append(request.Limit + 1);
            command.CommandText = sql.ToString();
            await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct).ConfigureAwait(false);
            var rows = new List<IReadOnlyDictionary<string, object?>>(Math.Min(request.Limit, 1_000));
            var more = false;
            (DateTime Start, object[] Keys, DateTime End) last = default;
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                if (rows.Count == request.Limit)
                {
                    more = true;
                    break;
                }

                rows.Add(ReadRow(reader, out last));
            }

            return new AggregatePage(rows, more ? AggregateCursor.Encode(Shape, last.Start, last.Keys!, last.End) : null);
        }, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await dialect.DisposeAsync().ConfigureAwait(false);
        cap.Dispose();
    }

    // Rows are written in statements of rowsPerStatement: the full-size statement is built (and, where it pays,
    // prepared) once and rebound; only the tail gets its own.
    private async Task WriteRowsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<AggregateRow> rows, CancellationToken ct)
    {
        DbCommand? full = null;
        try
        {
            for (var offset = 0; offset < rows.Count; offset += rowsPerStatement)
            {
                var count = Math.Min(rowsPerStatement, rows.Count - offset);
                var command = count == rowsPerStatement ? full ??= await FullCommandAsync(connection, transaction, ct).ConfigureAwait(false)
                    : Command(connection, transaction, dialect.AggregateUpsertSql(Shape, count));
                try
                {
                    BindRows(command, rows, offset, count);
                    await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }
                finally
                {
                    if (command != full)
                    {
                        await command.DisposeAsync().ConfigureAwait(false);
                    }
                }
            }
        }
        finally
        {
            if (full is not null)
            {
                await full.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<DbCommand> FullCommandAsync(DbConnection connection, DbTransaction transaction, CancellationToken ct)
    {
        var command = Command(connection, transaction, fullStatementSql ??= dialect.AggregateUpsertSql(Shape, rowsPerStatement));
        if (dialect.PreparesAggregateUpserts)
        {
            await command.PrepareAsync(ct).ConfigureAwait(false);
        }

        return command;
    }

    private void BindRows(DbCommand command, IReadOnlyList<AggregateRow> rows, int offset, int count)
    {
        var keys = Shape.Keys.Count;
        var perRow = keys + 2 + Shape.Values.Count;
        var parameters = command.Parameters;
        if (parameters.Count == 0)
        {
            for (var i = 0; i < count * perRow; i++)
            {
                dialect.AddParameter(command, DBNull.Value);
            }
        }

        for (var r = 0; r < count; r++)
        {
            var row = rows[offset + r];
            var at = r * perRow;
            for (var k = 0; k < keys; k++)
            {
                parameters[at + k].Value = row.Keys[k];
            }

            parameters[at + keys].Value = dialect.WindowTimeValue(row.WindowStart.UtcDateTime);
            parameters[at + keys + 1].Value = dialect.WindowTimeValue(row.WindowEnd.UtcDateTime);
            for (var v = 0; v < row.Values.Count; v++)
            {
                parameters[at + keys + 2 + v].Value = row.Values[v] ?? DBNull.Value;
            }
        }
    }

    // (start, k1, …, end) > (s, a, …, e) spelled out, with the leading start >= s that lets every database use the
    // primary key's range. A value is bound at each use, in the order of the text, for databases whose placeholders
    // are positional.
    private string AfterCondition(DbCommand command, IReadOnlyList<object> position)
    {
        var columns = SqlDialect.AggregateOrder(Shape).Select(dialect.Quote).ToList();
        return $"{columns[0]} >= {Bind(command, position[0])} AND ({Later(0)})";

        string Later(int i) => i == columns.Count - 1
            ? $"{columns[i]} > {Bind(command, position[i])}"
            : $"{columns[i]} > {Bind(command, position[i])} OR ({columns[i]} = {Bind(command, position[i])} AND ({Later(i + 1)}))";
    }

    private OrderedDictionary<string, object?> ReadRow(DbDataReader reader, out (DateTime Start, object[] Keys, DateTime End) position)
    {
        var row = new OrderedDictionary<string, object?>(Shape.Keys.Count + 2 + Shape.Values.Count, StringComparer.Ordinal);
        var keys = new object[Shape.Keys.Count];
        var ordinal = 0;
        foreach (var key in Shape.Keys)
        {
            keys[ordinal] = Read(reader, ordinal, key.Type);
            row.Add(key.Name, keys[ordinal++]);
        }

        var start = dialect.ReadTimestamp(reader, ordinal++);
        var end = dialect.ReadTimestamp(reader, ordinal++);
        row.Add(AggregateShape.WindowStart, AggregateRows.Iso(start));
        row.Add(AggregateShape.WindowEnd, AggregateRows.Iso(end));
        foreach (var value in Shape.Values)
        {
            row.Add(value.Name, reader.IsDBNull(ordinal) ? null : Read(reader, ordinal, value.Type));
            ordinal++;
        }

        position = (start, keys, end);
        return row;
    }

    private static object Read(DbDataReader reader, int ordinal, ColumnType type) => type switch
    {
        ColumnType.Text => reader.GetString(ordinal),
        ColumnType.Integer => reader.GetInt64(ordinal),
        _ => reader.GetDouble(ordinal),
    };

    // Several rows for one key and window in one statement would make PostgreSQL refuse it (a row updated twice); the
    // last one is what the caller meant.
    private static IReadOnlyList<AggregateRow> LastPerWindow(IReadOnlyList<AggregateRow> rows)
    {
        var last = new Dictionary<AggregateRow, int>(rows.Count, WindowIdentity.Instance);
        for (var i = 0; i < rows.Count; i++)
        {
            last[rows[i]] = i;
        }

        return last.Count == rows.Count ? rows : [.. last.Values.Order().Select(i => rows[i])];
    }

    private async Task EnsureCheckpointTableAsync(DbConnection connection, CancellationToken ct)
    {
        if (Volatile.Read(ref checkpointTableReady) == 0)
        {
            await ExecuteAsync(connection, dialect.CreateAggregateCheckpointTableSql(), ct).ConfigureAwait(false);
            Volatile.Write(ref checkpointTableReady, 1);
        }
    }

    private async Task<bool> TableExistsAsync(DbConnection connection, string name, CancellationToken ct)
    {
        await using var command = Command(connection, null, dialect.TableExistsSql(name));
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture) > 0;
    }

    private List<string> Differences(IReadOnlyList<StoredColumn> stored)
    {
        var differences = new List<string>();
        var byName = stored.ToDictionary(c => c.Name, StringComparer.OrdinalIgnoreCase);
        var wanted = Shape.Columns;
        foreach (var column in wanted)
        {
            if (!byName.TryGetValue(column.Name, out var found))
            {
                differences.Add($"column '{column.Name}' is missing");
                continue;
            }

            var kind = dialect.AggregateTypeKind(column);
            var storedKind = SqlDialect.TypeKind(found.Type);
            if (storedKind != kind)
            {
                differences.Add($"column '{column.Name}' is {found.Type}, the shape wants {kind}");
            }
        }

        differences.AddRange(stored.Where(s => !wanted.Any(c => string.Equals(c.Name, s.Name, StringComparison.OrdinalIgnoreCase)))
            .Select(s => $"column '{s.Name}' is not in the shape"));
        var key = SqlDialect.AggregateOrder(Shape).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var storedKey = stored.Where(c => c.InPrimaryKey).Select(c => c.Name).ToList();
        if (!key.SetEquals(storedKey))
        {
            differences.Add(
                $"its primary key is ({string.Join(", ", storedKey)}), the shape wants ({string.Join(", ", SqlDialect.AggregateOrder(Shape))})");
        }

        return differences;
    }

    private static void CheckOwner(string owner)
    {
        if (string.IsNullOrEmpty(owner) || owner.Length > MaxOwnerLength)
        {
            throw new ArgumentException($"The checkpoint owner must be 1 to {MaxOwnerLength} characters.", nameof(owner));
        }
    }

    private async Task ExecuteAsync(DbConnection connection, string sql, CancellationToken ct)
    {
        await using var command = Command(connection, null, sql);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params object[] values)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        for (var i = 0; i < values.Length; i++)
        {
            dialect.AddParameter(command, values[i]);
        }

        return command;
    }

    private string Bind(DbCommand command, object value) => dialect.AddParameter(command, value);

    /// <summary>Rows are the same result when their keys and window are.</summary>
    private sealed class WindowIdentity : IEqualityComparer<AggregateRow>
    {
        public static readonly WindowIdentity Instance = new();

        public bool Equals(AggregateRow? x, AggregateRow? y) =>
            x!.WindowStart == y!.WindowStart && x.WindowEnd == y.WindowEnd && x.Keys.SequenceEqual(y.Keys);

        public int GetHashCode(AggregateRow obj)
        {
            var hash = new HashCode();
            hash.Add(obj.WindowStart);
            hash.Add(obj.WindowEnd);
            foreach (var key in obj.Keys)
            {
                hash.Add(key);
            }

            return hash.ToHashCode();
        }
    }
}
