using System.Data.Common;
using System.Globalization;
using System.IO;
using System.Net.Sockets;
using System.Text;

namespace Spillway.Sinks.Internal;

/// <summary>
/// What differs between databases: connections and their pool, quoting, DDL types, the idempotent insert and which
/// errors mean "the database is unavailable". Everything else lives in <see cref="SqlSink"/>.
/// </summary>
internal abstract partial class SqlDialect(TableShape shape) : IAsyncDisposable
{
    private string? fullChunkSql;

    public TableShape Shape { get; } = shape;

    /// <summary>"sqlite", "postgresql" or "mysql".</summary>
    public abstract string Provider { get; }

    /// <summary>A new, closed connection drawn from the driver's pool, which is capped at the sink's MaxConnections.</summary>
    public abstract DbConnection CreateConnection();

    /// <summary>Forgets pooled connections, so that after an outage the next borrow dials afresh.</summary>
    public abstract void ClearPool(DbConnection connection);

    public abstract string Quote(string identifier);

    /// <summary>Type and constraints of the id column, the primary key.</summary>
    protected abstract string IdColumnDefinition { get; }

    /// <summary>Type, constraints and default of the created-at column.</summary>
    protected abstract string CreatedAtColumnDefinition { get; }

    /// <summary>The database type of a mapped column.</summary>
    protected abstract string ColumnTypeSql(ColumnMapping column);

    /// <summary>Text after the closing parenthesis of CREATE TABLE (engine, character set).</summary>
    protected virtual string TableOptions => "";

    /// <summary>CREATE TABLE IF NOT EXISTS for the shape.</summary>
    public string CreateTableSql()
    {
        var columns = new List<string> { $"{Quote(Shape.IdColumn)} {IdColumnDefinition}" };
        columns.AddRange(Shape.Columns.Select(c => $"{Quote(c.Column)} {ColumnTypeSql(c)}{(c.Required ? " NOT NULL" : "")}"));
        if (Shape.CreatedAtColumn is not null)
        {
            columns.Add($"{Quote(Shape.CreatedAtColumn)} {CreatedAtColumnDefinition}");
        }

        if (Shape.KeyColumns.Count > 0)
        {
            columns.Add($"UNIQUE ({string.Join(", ", KeyColumnNames.Select(Quote))})");
        }

        return $"CREATE TABLE IF NOT EXISTS {Quote(Shape.Table)} ({string.Join(", ", columns)}){TableOptions}";
    }

    /// <summary>A query answering the number of tables named <paramref name="table"/> (0 or 1).</summary>
    public abstract string TableExistsSql(string table);

    /// <summary>
    /// True when the driver's async methods really run synchronously (Microsoft.Data.Sqlite); the
    /// sink then runs the database work on the thread pool so that callers' async flows are never blocked.
    /// </summary>
    public virtual bool BlocksOnIo => false;

    /// <summary>True when the error means the database cannot be reached or refused the work for now.</summary>
    public abstract bool IsUnavailable(Exception exception);

    /// <summary>
    /// True when the database refused a row's data (a constraint, a value it cannot store): an error some rows of a
    /// batch cause and others do not, as opposed to one about the table or the connection.
    /// </summary>
    public abstract bool IsRecordError(Exception exception);

    /// <summary>Largest number of bind parameters the database takes in one statement.</summary>
    protected abstract int MaxParametersPerStatement { get; }

    /// <summary>
    /// Rows per multi-row INSERT. Defaults to 1000: past that a bigger statement buys little and costs
    /// more parsing on both sides.
    /// </summary>
    protected virtual int MaxRowsPerStatement => 1000;

    /// <summary>
    /// A bound on one INSERT's size, for a database that caps the statements it takes (MySQL's max_allowed_packet); null
    /// for none. A chunk ends before the rows' estimated size passes it, so large records make shorter statements.
    /// </summary>
    protected virtual int? MaxStatementBytes => null;

    /// <summary>The clause that makes an INSERT skip rows whose id is already in the table.</summary>
    protected abstract string OnConflictDoNothing { get; }

    /// <summary>
    /// With key columns, the clause that makes an INSERT of a key already in the table replace that row's other columns
    /// (not its id). ON CONFLICT (key) DO UPDATE here (PostgreSQL, SQLite); MariaDB and MySQL spell it their way.
    /// </summary>
    protected virtual string OnConflictReplace()
    {
        var updated = ReplacedColumns.Select(c => $"{Quote(c)} = excluded.{Quote(c)}").ToList();
        var target = string.Join(", ", KeyColumnNames.Select(Quote));
        return updated.Count == 0
            ? $"ON CONFLICT ({target}) DO NOTHING"
            : $"ON CONFLICT ({target}) DO UPDATE SET {string.Join(", ", updated)}";
    }

    /// <summary>The key columns' names.</summary>
    protected IEnumerable<string> KeyColumnNames => Shape.KeyColumns.Select(i => Shape.Columns[i].Column);

    /// <summary>The columns a later record with the same key replaces: the mapped ones outside the key, and created-at.</summary>
    protected IEnumerable<string> ReplacedColumns
    {
        get
        {
            var columns = Shape.Columns.Where((_, i) => !Shape.KeyColumns.Contains(i)).Select(c => c.Column);
            return Shape.CreatedAtColumn is null ? columns : columns.Append(Shape.CreatedAtColumn);
        }
    }

    /// <summary>Whether to prepare the reused full-chunk INSERT.</summary>
    protected virtual bool PrepareInserts => false;

    /// <summary>Placeholder text of the parameter at a zero-based index.</summary>
    protected virtual string Placeholder(int index) => "@p" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>Name of the parameter at a zero-based index; null for positional parameters.</summary>
    protected virtual string? ParameterName(int index) => Placeholder(index);

    /// <summary>Hook to give a parameter a database type, for columns whose type the value alone does not tell.</summary>
    protected virtual void ConfigureParameter(DbParameter parameter, ColumnType? type)
    {
    }

    protected virtual object IdValue(Guid id) => id;

    protected virtual object CreatedAtValue(DateTime utc) => utc;

    /// <summary>Runs on every opened connection before use (per-connection settings).</summary>
    public virtual Task PrepareConnectionAsync(DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Writes the rows, and the checkpoint when there is one, in one transaction; returns how many rows were new.</summary>
    public virtual async Task<int> WriteAsync(
        DbConnection connection, IReadOnlyList<MappedRow> rows, StreamCheckpoint? checkpoint, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginAsync(connection, cancellationToken).ConfigureAwait(false);
        var inserted = await InsertAsync(connection, transaction, rows, cancellationToken).ConfigureAwait(false);
        await SaveCheckpointAsync(connection, transaction, checkpoint, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return inserted;
    }

    protected virtual async Task<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Multi-row INSERT … skip-on-conflict, chunked to respect the parameter limit and the statement size bound
    /// (<see cref="MaxStatementBytes"/>). The full-size chunk's command is
    /// built (and prepared) once and rebound for every chunk; only the tail gets its own command.
    /// </summary>
    protected async Task<int> InsertAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<MappedRow> rows,
        CancellationToken cancellationToken)
    {
        var chunk = RowsPerChunk;
        var inserted = 0;
        DbCommand? full = null;
        try
        {
            for (var offset = 0; offset < rows.Count;)
            {
                var count = ChunkLength(rows, offset, chunk);
                DbCommand command;
                if (count == chunk)
                {
                    if (full is null)
                    {
                        full = CreateInsert(connection, transaction, chunk);
                        if (PrepareInserts)
                        {
                            await full.PrepareAsync(cancellationToken).ConfigureAwait(false);
                        }
                    }

                    command = full;
                }
                else
                {
                    command = CreateInsert(connection, transaction, count);
                }

                try
                {
                    Bind(command, rows, offset, count);
                    inserted += await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    if (command != full)
                    {
                        await command.DisposeAsync().ConfigureAwait(false);
                    }
                }

                offset += count;
            }
        }
        finally
        {
            if (full is not null)
            {
                await full.DisposeAsync().ConfigureAwait(false);
            }
        }

        return inserted;
    }

    // Rows from offset for one statement: the full chunk, or fewer where the byte bound ends it first (never none).
    private int ChunkLength(IReadOnlyList<MappedRow> rows, int offset, int chunk)
    {
        var count = Math.Min(chunk, rows.Count - offset);
        if (MaxStatementBytes is not { } budget)
        {
            return count;
        }

        long bytes = 0;
        for (var i = 0; i < count; i++)
        {
            bytes += EstimatedBytes(rows[offset + i]);
            if (bytes > budget)
            {
                return Math.Max(1, i);
            }
        }

        return count;
    }

    // An upper estimate of a row's bytes in a statement's text: UTF-8 takes up to 3 bytes per UTF-16 unit, and escaping
    // may double a few; ids, numbers and times are short.
    private static long EstimatedBytes(MappedRow row)
    {
        long bytes = 64;
        foreach (var value in row.Values)
        {
            bytes += value is string text ? (text.Length * 3L) + 8 : 32;
        }

        return bytes;
    }

    private int RowsPerChunk => Math.Max(1, Math.Min(MaxRowsPerStatement, MaxParametersPerStatement / Shape.ValuesPerRow));

    private DbCommand CreateInsert(DbConnection connection, DbTransaction transaction, int rowCount)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = rowCount == RowsPerChunk ? fullChunkSql ??= InsertSql(rowCount) : InsertSql(rowCount);
        var perRow = Shape.ValuesPerRow;
        for (var i = 0; i < rowCount * perRow; i++)
        {
            var parameter = command.CreateParameter();
            if (ParameterName(i) is { } name)
            {
                parameter.ParameterName = name;
            }

            var column = i % perRow;
            ConfigureParameter(parameter, column >= 1 && column <= Shape.Columns.Count ? Shape.Columns[column - 1].Type : null);
            command.Parameters.Add(parameter);
        }

        return command;
    }

    private string InsertSql(int rowCount)
    {
        var perRow = Shape.ValuesPerRow;
        var sql = new StringBuilder(64 + (rowCount * perRow * 8));
        sql.Append("INSERT INTO ").Append(Quote(Shape.Table)).Append(" (")
            .AppendJoin(", ", Shape.InsertColumns.Select(Quote)).Append(") VALUES ");
        for (var row = 0; row < rowCount; row++)
        {
            sql.Append(row == 0 ? "(" : ", (");
            for (var value = 0; value < perRow; value++)
            {
                sql.Append(value == 0 ? "" : ", ").Append(Placeholder((row * perRow) + value));
            }

            sql.Append(')');
        }

        return sql.Append(' ').Append(Shape.KeyColumns.Count > 0 ? OnConflictReplace() : OnConflictDoNothing).ToString();
    }

    private void Bind(DbCommand command, IReadOnlyList<MappedRow> rows, int offset, int count)
    {
        var perRow = Shape.ValuesPerRow;
        var parameters = command.Parameters;
        for (var r = 0; r < count; r++)
        {
            var row = rows[offset + r];
            var at = r * perRow;
            parameters[at].Value = IdValue(row.Id);
            for (var c = 0; c < row.Values.Length; c++)
            {
                parameters[at + 1 + c].Value = row.Values[c] ?? DBNull.Value;
            }

            if (Shape.CreatedAtColumn is not null)
            {
                parameters[at + perRow - 1].Value = CreatedAtValue(row.CreatedAt);
            }
        }
    }

    /// <summary>Placeholder text of a reader statement's parameter at a zero-based index.</summary>
    public string ReadPlaceholder(int index) => Placeholder(index);

    /// <summary>
    /// Adds the next parameter of a reader's (or another hand-built) statement and returns its placeholder: values are
    /// added in the order of the statement's text, as positional placeholders need.
    /// </summary>
    public string AddParameter(DbCommand command, object value)
    {
        var index = command.Parameters.Count;
        var parameter = command.CreateParameter();
        if (ParameterName(index) is { } name)
        {
            parameter.ParameterName = name;
        }

        parameter.Value = value;
        command.Parameters.Add(parameter);
        return Placeholder(index);
    }

    /// <summary>An id as this database's id column stores it (a uuid, or its lower-case text), for a comparison.</summary>
    public object IdParameter(Guid id) => IdValue(id);

    /// <summary>A UTC time as this database's timestamp columns store it, for a comparison.</summary>
    public object TimestampParameter(DateTime utc) => CreatedAtValue(utc);

    /// <summary>Reads an id column's value.</summary>
    public virtual Guid ReadId(DbDataReader reader, int ordinal) => Guid.Parse(reader.GetString(ordinal));

    /// <summary>Reads a timestamp column's value as UTC (the sink writes UTC).</summary>
    public virtual DateTime ReadTimestamp(DbDataReader reader, int ordinal) =>
        DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc);

    /// <summary>Reads a boolean column's value.</summary>
    public virtual bool ReadBoolean(DbDataReader reader, int ordinal) => reader.GetBoolean(ordinal);

    /// <summary>Whether the database writes a query's result as CSV itself (<see cref="CopyCsvAsync"/>).</summary>
    public virtual bool CopiesCsv => false;

    /// <summary>Has the database write the query's result as CSV; see <see cref="ITableReader.CopyCsvAsync"/>.</summary>
    public virtual Task CopyCsvAsync(
        DbConnection connection, CsvCopyQuery query, Func<ICsvRecordSource, CancellationToken, Task> consume, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"{Provider} does not write CSV itself; read the rows instead.");

    /// <summary>
    /// Deletes at most <paramref name="batchSize"/> rows whose created-at is before the parameter at index 0, the
    /// oldest first: a short statement that holds its locks briefly, so ingest is never blocked for long.
    /// </summary>
    public virtual string DeleteOlderThanSql(int batchSize)
    {
        var table = Quote(Shape.Table);
        var id = Quote(Shape.IdColumn);
        return $"DELETE FROM {table} WHERE {id} IN (SELECT {id} FROM {table} WHERE {Quote(Shape.CreatedAtColumn!)} < {Placeholder(0)} "
            + $"ORDER BY {id} LIMIT {batchSize.ToString(CultureInfo.InvariantCulture)})";
    }

    /// <summary>Network failures and timeouts anywhere in the chain mean the database is out of reach.</summary>
    protected static bool IsNetworkFailure(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is SocketException or IOException or TimeoutException)
            {
                return true;
            }
        }

        return false;
    }

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
