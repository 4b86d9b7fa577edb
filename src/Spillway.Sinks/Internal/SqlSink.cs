using System.Data.Common;
using System.Globalization;

namespace Spillway.Sinks.Internal;

/// <summary>
/// The provider-neutral sink: maps records to rows and hands them to the dialect for one transaction, on a connection
/// the <see cref="ConnectionRunner"/> borrows through the cap (it also turns "cannot reach the database" into
/// <see cref="SinkUnavailableException"/>).
/// </summary>
internal sealed class SqlSink : ISqlSink
{
    /// <summary>
    /// Most rows one transaction writes: the most a worker hands over at once (a receive's limit), so a worker's batch
    /// commits once, while a caller with more gets several bounded transactions instead of one unbounded one.
    /// </summary>
    internal const int MaxRowsPerTransaction = 10_000;

    private readonly SqlDialect dialect;
    private readonly RecordMapper mapper;
    private readonly ConnectionCap cap;
    private readonly bool createTable;
    private readonly string target;
    private readonly ConnectionRunner runner;
    private int checkpointTableReady;

    public SqlSink(SqlSinkOptions options, DatabaseUrl url, SqlDialect dialect)
    {
        Name = options.Name;
        this.dialect = dialect;
        mapper = new RecordMapper(dialect.Shape);
        cap = new ConnectionCap(options.MaxConnections, options.BorrowTimeout, options.TimeProvider);
        createTable = options.CreateTable;
        target = url.ToString();
        runner = new ConnectionRunner(Name, dialect, cap, target);
    }

    public string Name { get; }

    public string Provider => dialect.Provider;

    public SinkPoolStatistics PoolStatistics => cap.Statistics;

    public async ValueTask EnsureSchemaAsync(CancellationToken cancellationToken = default)
    {
        await runner.RunAsync(async (connection, ct) =>
        {
            if (createTable)
            {
                await CreateTableAsync(connection, dialect.Shape.Table, dialect.CreateTableSql(), ct).ConfigureAwait(false);
            }

            // Proves the table has every column the mapping needs, so a mismatch shows at start-up, not per batch.
            var shape = dialect.Shape;
            var columns = string.Join(", ", shape.InsertColumns.Select(dialect.Quote));
            try
            {
                await ExecuteAsync(connection, $"SELECT {columns} FROM {dialect.Quote(shape.Table)} WHERE 1 = 0", ct).ConfigureAwait(false);
            }
            catch (DbException e) when (!dialect.IsUnavailable(e))
            {
                throw new InvalidOperationException(
                    $"Sink '{Name}': table '{shape.Table}' is missing or lacks one of the columns {columns}: {e.Message}", e);
            }

            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<SinkWriteResult> WriteAsync(
        IReadOnlyList<SinkRecord> records, StreamCheckpoint? checkpoint = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        checkpoint?.Validate();
        var (rows, rejected) = mapper.Map(records);
        if (dialect.Shape.KeyColumns.Count > 0)
        {
            rows = LastPerKey(rows);
        }

        if (checkpoint is not null && rejected.Count == 0)
        {
            if (rows.Count == 0)
            {
                await SaveCheckpointAsync(checkpoint, cancellationToken).ConfigureAwait(false);
                return new SinkWriteResult(0, rejected) { CheckpointSaved = true };
            }

            await EnsureCheckpointTableAsync(cancellationToken).ConfigureAwait(false);
        }

        if (rows.Count == 0)
        {
            return new SinkWriteResult(0, rejected);
        }

        var inserted = 0;
        var saved = false;
        for (var offset = 0; offset < rows.Count; offset += MaxRowsPerTransaction)
        {
            var part = offset == 0 && rows.Count <= MaxRowsPerTransaction
                ? rows
                : rows.GetRange(offset, Math.Min(MaxRowsPerTransaction, rows.Count - offset));

            // The checkpoint goes with the last transaction, and only while no record was rejected: committed, it says
            // that every record up to it is in the table.
            var last = offset + part.Count == rows.Count;
            var carried = last && rejected.Count == 0 ? checkpoint : null;
            inserted += await WriteIsolatingAsync(part, carried, rejected, cancellationToken).ConfigureAwait(false);
            saved = carried is not null && rejected.Count == 0;
        }

        return new SinkWriteResult(inserted, rejected) { CheckpointSaved = saved };
    }

    /// <summary>
    /// Writes the rows in one transaction (at most <see cref="MaxRowsPerTransaction"/>), with the checkpoint when one is
    /// given. When the database refuses a row's data (a CHECK or a unique index of the user's table, say), the batch is
    /// halved and each half retried without the checkpoint, down to the single rows at fault, which are rejected with
    /// the database's reason: one poison record must not hold back the records around it.
    /// </summary>
    private async Task<int> WriteIsolatingAsync(
        List<MappedRow> rows, StreamCheckpoint? checkpoint, List<RejectedRecord> rejected, CancellationToken cancellationToken)
    {
        try
        {
            return await runner.RunAsync((connection, ct) => dialect.WriteAsync(connection, rows, checkpoint, ct), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (DbException e) when (dialect.IsRecordError(e))
        {
            if (rows.Count == 1)
            {
                rejected.Add(new RejectedRecord(rows[0].Id, "the database refused the record: " + e.Message));
                return 0;
            }

            var half = rows.Count / 2;
            var first = await WriteIsolatingAsync(rows[..half], null, rejected, cancellationToken).ConfigureAwait(false);
            return first + await WriteIsolatingAsync(rows[half..], null, rejected, cancellationToken).ConfigureAwait(false);
        }
    }

    // Of several records with one key, the row ends with the last; PostgreSQL also refuses to update a row twice in one
    // statement. The records left out are neither written nor rejected: a later one took their place.
    private List<MappedRow> LastPerKey(List<MappedRow> rows)
    {
        var last = new Dictionary<string, int>(rows.Count, StringComparer.Ordinal);
        for (var i = 0; i < rows.Count; i++)
        {
            last[KeyOf(rows[i])] = i;
        }

        if (last.Count == rows.Count)
        {
            return rows;
        }

        var kept = new List<MappedRow>(last.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            if (last[KeyOf(rows[i])] == i)
            {
                kept.Add(rows[i]);
            }
        }

        return kept;
    }

    private string KeyOf(MappedRow row) => string.Join(
        '\u001f',
        dialect.Shape.KeyColumns.Select(i => row.Values[i] switch
        {
            DateTime time => time.Ticks.ToString(CultureInfo.InvariantCulture),
            var value => Convert.ToString(value, CultureInfo.InvariantCulture),
        }));

    public async ValueTask<string?> ReadCheckpointAsync(
        string consumer, string stream, string shard, CancellationToken cancellationToken = default)
    {
        StreamCheckpoint.Check(consumer, StreamCheckpoint.MaxNameLength, nameof(consumer));
        StreamCheckpoint.Check(stream, StreamCheckpoint.MaxNameLength, nameof(stream));
        StreamCheckpoint.Check(shard, StreamCheckpoint.MaxNameLength, nameof(shard));
        await EnsureCheckpointTableAsync(cancellationToken).ConfigureAwait(false);
        return await runner.RunAsync((connection, ct) => dialect.ReadCheckpointAsync(connection, consumer, stream, shard, ct), cancellationToken)
            .ConfigureAwait(false);
    }

    public async ValueTask SaveCheckpointAsync(StreamCheckpoint checkpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        checkpoint.Validate();
        await EnsureCheckpointTableAsync(cancellationToken).ConfigureAwait(false);

        // One statement, atomic on its own: no transaction around it.
        await runner.RunAsync(async (connection, ct) =>
        {
            await dialect.SaveCheckpointAsync(connection, null, checkpoint, ct).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    // The checkpoint table is made on first use, whatever CreateTable says: it is Spillway's own, not a table of the user's.
    private async Task EnsureCheckpointTableAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref checkpointTableReady) != 0)
        {
            return;
        }

        await runner.RunAsync(async (connection, ct) =>
        {
            await CreateTableAsync(connection, StreamCheckpoint.Table, dialect.CreateCheckpointTableSql(), ct).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref checkpointTableReady, 1);
    }

    // Looked up first so that a restart does not even issue the DDL (and its "already exists" notice).
    private async Task CreateTableAsync(DbConnection connection, string table, string createSql, CancellationToken cancellationToken)
    {
        if (await TableExistsAsync(connection, table, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            await ExecuteAsync(connection, createSql, cancellationToken).ConfigureAwait(false);
        }
        catch (DbException e) when (!dialect.IsUnavailable(e))
        {
            // Another sink or process may have created it at the same moment; only a table still missing is an error.
            if (!await TableExistsAsync(connection, table, cancellationToken).ConfigureAwait(false))
            {
                throw;
            }
        }
    }

    public async ValueTask<bool> PingAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await runner.RunAsync((connection, ct) => ExecuteAsync(connection, "SELECT 1", ct), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SinkUnavailableException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await dialect.DisposeAsync().ConfigureAwait(false);
        cap.Dispose();
    }

    public override string ToString() => $"{Provider} sink '{Name}' → {target}";

    private async Task<bool> TableExistsAsync(DbConnection connection, string table, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = dialect.TableExistsSql(table);
        var count = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return Convert.ToInt64(count, CultureInfo.InvariantCulture) > 0;
    }

    private static async Task<int> ExecuteAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
