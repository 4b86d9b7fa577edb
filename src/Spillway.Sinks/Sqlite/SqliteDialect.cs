using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Spillway.Sinks.Internal;

namespace Spillway.Sinks.Sqlite;

/// <summary>
/// The embedded default: one SQLite file in WAL mode, written with prepared multi-row
/// INSERT … ON CONFLICT DO NOTHING inside BEGIN IMMEDIATE transactions.
/// </summary>
internal sealed class SqliteDialect : SqlDialect
{
    // WAL lets readers work while a batch is written. synchronous=FULL makes every commit fsync the WAL: with
    // NORMAL a commit is durable only at the next checkpoint, so a power cut could lose rows whose messages the
    // queue has already deleted, which is exactly the loss Spillway exists to prevent.
    private const string ConnectionPragmas = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;";

    private readonly string connectionString;
    private readonly string filePath;
    private int directoryReady;

    public SqliteDialect(TableShape shape, DatabaseUrl url, SqlSinkOptions options)
        : base(shape)
    {
        filePath = url.FilePath!;
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = filePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            // Also the busy timeout: a writer waits this long for another writer's transaction to finish.
            DefaultTimeout = (int)Math.Max(1, Math.Ceiling(options.CommandTimeout.TotalSeconds)),
        }.ToString();
    }

    public override string Provider => DatabaseUrl.Sqlite;

    // SQLITE_MAX_VARIABLE_NUMBER since SQLite 3.32.
    protected override int MaxParametersPerStatement => 32_766;

    // Microsoft.Data.Sqlite binds every parameter by name, and SQLite finds a name by a linear scan of the statement's
    // names: binding costs grow with the square of the parameters per statement. Statements are compiled in-process,
    // so small chunks cost little; 64 rows kept the name lookups out of the profile.
    protected override int MaxRowsPerStatement => 64;

    protected override bool PrepareInserts => true;

    protected override string OnConflictDoNothing => $"ON CONFLICT ({Quote(Shape.IdColumn)}) DO NOTHING";

    public override DbConnection CreateConnection()
    {
        if (Volatile.Read(ref directoryReady) == 0)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(filePath)!);
            Volatile.Write(ref directoryReady, 1);
        }

        return new SqliteConnection(connectionString);
    }

    public override void ClearPool(DbConnection connection) => SqliteConnection.ClearPool((SqliteConnection)connection);

    public override string Quote(string identifier) => '"' + identifier + '"';

    public override async Task PrepareConnectionAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = ConnectionPragmas;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public override string TableExistsSql(string table) => $"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'";

    public override bool BlocksOnIo => true;

    protected override string IdColumnDefinition => "TEXT NOT NULL PRIMARY KEY";

    protected override string CreatedAtColumnDefinition => "TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP";

    // SQLite compares TEXT byte for byte unless told otherwise.
    protected override string CheckpointNameType => "TEXT";

    protected override string CheckpointSequenceType => "TEXT";

    // Times are text here: fixed-width, so text order is time order and one instant is always the same text, which the
    // upsert's conflict on (keys, window) and the pages' keyset comparisons rely on.
    protected override string AggregateTypeSql(ColumnType type, int? maxLength) => type switch
    {
        ColumnType.Integer => "INTEGER",
        ColumnType.Real => "REAL",
        _ => "TEXT",
    };

    protected override string CheckpointBytesType => "BLOB";

    public override object WindowTimeValue(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);

    protected override string TableColumnsSql(string table) => $"SELECT name, type, pk FROM pragma_table_info('{table}') ORDER BY cid";

    protected override object IdValue(Guid id) => id.ToString("D");

    // IMMEDIATE takes the write lock up front, so two writers queue on the busy timeout instead of one failing
    // with SQLITE_BUSY when it tries to upgrade a read transaction.
    protected override Task<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));

    public override bool IsUnavailable(Exception exception) => exception switch
    {
        // BUSY, LOCKED, IOERR, FULL, CANTOPEN, READONLY: the file cannot be written now.
        SqliteException e => e.SqliteErrorCode is 5 or 6 or 8 or 10 or 13 or 14,
        UnauthorizedAccessException => true,
        _ => IsNetworkFailure(exception),
    };

    // TOOBIG, CONSTRAINT, MISMATCH: about one row's data, not the file.
    public override bool IsRecordError(Exception exception) => exception is SqliteException { SqliteErrorCode: 18 or 19 or 20 };

    public override ValueTask DisposeAsync()
    {
        // Closes the pooled handles so the file can be moved or deleted once the sink is gone.
        using var connection = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(connection);
        return ValueTask.CompletedTask;
    }

    public override bool ReadBoolean(DbDataReader reader, int ordinal) => reader.GetInt64(ordinal) != 0;

    // Times are text here: the sink's "yyyy-MM-dd HH:mm:ss.FFFFFFF" or CURRENT_TIMESTAMP's "yyyy-MM-dd HH:mm:ss", both UTC.
    public override DateTime ReadTimestamp(DbDataReader reader, int ordinal) => DateTime.Parse(
        reader.GetString(ordinal), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    protected override string ColumnTypeSql(ColumnMapping column) => column.Type switch
    {
        ColumnType.Integer or ColumnType.Boolean => "INTEGER",
        ColumnType.Real => "REAL",
        _ => "TEXT",
    };
}
