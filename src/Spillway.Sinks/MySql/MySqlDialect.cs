using System.Data.Common;
using System.Globalization;
using MySqlConnector;
using Spillway.Sinks.Aggregates;
using Spillway.Sinks.Internal;

namespace Spillway.Sinks.MySql;

/// <summary>
/// MariaDB and MySQL through MySqlConnector, whose I/O is truly asynchronous: a write waiting on the server holds no
/// thread. A batch goes first as one bulk load (MySqlDialect.BulkLoad.cs); the exact path, and the one for a batch the
/// load could not take whole, is multi-row INSERT … ON DUPLICATE KEY UPDATE: a row whose id exists is left alone,
/// while every other error (a too-long value, a bad type) still fails the statement, which INSERT IGNORE would turn
/// into a silent warning.
/// </summary>
internal sealed partial class MySqlDialect : SqlDialect
{
    private readonly string connectionString;

    public MySqlDialect(TableShape shape, DatabaseUrl url, SqlSinkOptions options)
        : base(shape)
    {
        var builder = new MySqlConnectionStringBuilder
        {
            Server = url.Host,
            Port = (uint)url.Port!.Value,
            Database = url.Database,
            UserID = url.User ?? "",
            Password = url.Password ?? "",
            Pooling = true,
            MinimumPoolSize = 0,
            // The same cap as the sink's gate, so the limit also holds at the server whatever happens above.
            MaximumPoolSize = (uint)options.MaxConnections,
            ConnectionTimeout = Seconds(url.SecondsOption("connect_timeout", options.ConnectTimeout)),
            DefaultCommandTimeout = Seconds(url.SecondsOption("command_timeout", options.CommandTimeout)),
            // Report rows changed, not rows found: an existing id then counts 0, so Inserted counts only new rows.
            UseAffectedRows = true,
            // Ids are CHAR(36) text, read and written as strings like every other provider's text ids; the driver's
            // default would turn every CHAR(36) column of the user's table into a Guid.
            GuidFormat = MySqlGuidFormat.None,
        };
        commandTimeoutSeconds = (int)builder.DefaultCommandTimeout;
        if (url.Options.TryGetValue("sslmode", out var sslMode))
        {
            // The PostgreSQL spellings work too (disable, prefer, require, verify-ca), so one URL style serves both servers.
            var name = sslMode.ToLowerInvariant() switch
            {
                "disable" => nameof(MySqlSslMode.None),
                "prefer" => nameof(MySqlSslMode.Preferred),
                "require" => nameof(MySqlSslMode.Required),
                var other => other.Replace("-", "", StringComparison.Ordinal),
            };
            builder.SslMode = Enum.TryParse<MySqlSslMode>(name, ignoreCase: true, out var mode) && Enum.IsDefined(mode)
                ? mode
                : throw new ArgumentException($"The database URL has sslmode='{sslMode}', which MySQL does not know.", "DatabaseUrl");
        }

        bulkLoads = AllowsBulkLoad(builder);
        connectionString = builder.ConnectionString;
    }

    public override string Provider => DatabaseUrl.MySql;

    protected override int MaxParametersPerStatement => 65_535;

    /// <summary>
    /// 1 MiB of values per INSERT: a sixteenth of MariaDB's default max_allowed_packet (16 MiB) and a quarter of the
    /// smallest default (MySQL 5.7's 4 MiB), so an estimate off by the worst escaping still fits.
    /// </summary>
    protected override int? MaxStatementBytes => 1 << 20;

    // Positional parameters spare the driver a lookup by name for each of a statement's thousands of placeholders.
    protected override string Placeholder(int index) => "?";

    protected override string? ParameterName(int index) => null;

    /// <summary>
    /// A plain <c>id = id</c> would also swallow a clash on any other unique key of the user's table, dropping that
    /// record without a word. Setting the id to NULL when the existing row's id is not the record's own makes such a
    /// clash an error (1048, the sessions are strict), which the sink then pins on the record.
    /// </summary>
    protected override string OnConflictDoNothing
    {
        get
        {
            var id = Quote(Shape.IdColumn);
            return $"ON DUPLICATE KEY UPDATE {id} = IF({id} = VALUES({id}), {id}, NULL)";
        }
    }

    // Any unique key fires ON DUPLICATE KEY: the record's key (the intent) or its id (a replay, which brings the same key).
    protected override string OnConflictReplace()
    {
        var updated = ReplacedColumns.Select(c => $"{Quote(c)} = VALUES({Quote(c)})").ToList();
        var id = Quote(Shape.IdColumn);
        return "ON DUPLICATE KEY UPDATE " + (updated.Count == 0 ? $"{id} = {id}" : string.Join(", ", updated));
    }

    /// <summary>
    /// Strict mode, added to whatever the server sets, turns a value the column cannot hold into an error instead of a
    /// silently changed row. The driver resets a pooled session when it is borrowed again, so every open sets it.
    /// </summary>
    public override async Task PrepareConnectionAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SET sql_mode = CONCAT_WS(',', NULLIF(@@sql_mode, ''), 'STRICT_ALL_TABLES')";
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public override DbConnection CreateConnection() => new MySqlConnection(connectionString);

    public override void ClearPool(DbConnection connection) => MySqlConnection.ClearPool((MySqlConnection)connection);

    public override string Quote(string identifier) => '`' + identifier + '`';

    public override string TableExistsSql(string table) =>
        $"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '{table}'";

    protected override string IdColumnDefinition => "CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY";

    protected override string CreatedAtColumnDefinition => "DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)";

    // Binary collations: the table's default one would take "Worker" and "worker" for one consumer. 200 characters of
    // utf8mb4 three times stay under InnoDB's 3,072-byte key.
    protected override string CheckpointNameType => "VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin";

    protected override string CheckpointSequenceType => "VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin";

    // Assignments run left to right and see the columns already set, so updated_at is decided before the sequence moves.
    protected override string CheckpointUpsertSql()
    {
        var sequence = CheckpointSequenceColumn;
        var updated = CheckpointUpdatedAtColumn;
        var later = $"VALUES({sequence}) > {sequence}";
        return $"{CheckpointInsertSql()} ON DUPLICATE KEY UPDATE {updated} = IF({later}, CURRENT_TIMESTAMP(6), {updated}), "
            + $"{sequence} = IF({later}, VALUES({sequence}), {sequence})";
    }

    // Binary collation: the table's default one would take "Press-1" and "press-1" for one key.
    protected override string AggregateTypeSql(ColumnType type, int? maxLength) => type switch
    {
        ColumnType.Text => $"VARCHAR({maxLength}) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
        ColumnType.Integer => "BIGINT",
        ColumnType.Real => "DOUBLE",
        _ => "DATETIME(3)",
    };

    protected override string CheckpointBytesType => "LONGBLOB";

    protected override string AggregateOnConflict(AggregateShape shape) => "ON DUPLICATE KEY UPDATE " + (shape.Values.Count == 0
        ? $"{Quote(AggregateShape.WindowEnd)} = {Quote(AggregateShape.WindowEnd)}"
        : string.Join(", ", shape.Values.Select(v => $"{Quote(v.Name)} = VALUES({Quote(v.Name)})")));

    public override string AggregateCheckpointUpsertSql() =>
        $"{AggregateCheckpointInsertSql()} ON DUPLICATE KEY UPDATE {AggregateCheckpointColumn} = VALUES({AggregateCheckpointColumn}), "
        + $"{CheckpointUpdatedAtColumn} = CURRENT_TIMESTAMP(6)";

    /// <summary>
    /// The server refuses a statement longer than max_allowed_packet (and drops the connection), so a checkpoint gets
    /// that less 1 KiB for the statement around it. It is sent as a prepared statement's parameter: raw bytes, not
    /// escaped into text, which could double them.
    /// </summary>
    public override async Task<long?> MaxCheckpointBytesAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT @@max_allowed_packet";
        var packet = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        return packet - 1024;
    }

    protected override string TableColumnsSql(string table) =>
        "SELECT COLUMN_NAME, COLUMN_TYPE, CASE WHEN COLUMN_KEY = 'PRI' THEN 1 ELSE 0 END FROM information_schema.columns "
        + $"WHERE table_schema = DATABASE() AND table_name = '{table}' ORDER BY ORDINAL_POSITION";

    // utf8mb4 spelled out: a server's default may still be latin1, which cannot hold "田中太郎".
    protected override string TableOptions => " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci";

    protected override object IdValue(Guid id) => id.ToString("D");

    public override bool IsUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is MySqlException { Number: var number } && IsUnavailableNumber(number))
            {
                return true;
            }
        }

        return IsNetworkFailure(exception);
    }

    public override bool IsRecordError(Exception exception) => exception is MySqlException
    {
        Number: 1048 // column cannot be null (also: a clash on another unique key, see OnConflictDoNothing)
            or 1062 // duplicate entry
            or 1264 or 1690 // out of range
            or 1292 or 1366 or 1406 // incorrect value, incorrect string, data too long
            or 1452 // foreign key
            or 3140 // invalid JSON
            or 3819 or 4025, // check constraint (MySQL, MariaDB)
    };

    public override async ValueTask DisposeAsync()
    {
        await using var connection = new MySqlConnection(connectionString);
        MySqlConnection.ClearPool(connection);
    }

    // MySQL has no LIMIT inside an IN subquery, but a single-table DELETE takes ORDER BY and LIMIT itself.
    public override string DeleteOlderThanSql(int batchSize) =>
        $"DELETE FROM {Quote(Shape.Table)} WHERE {Quote(Shape.CreatedAtColumn!)} < {ReadPlaceholder(0)} ORDER BY {Quote(Shape.IdColumn)} "
        + $"LIMIT {batchSize.ToString(CultureInfo.InvariantCulture)}";

    private static bool IsUnavailableNumber(int number) => number is
        1040 // too many connections
        or 1042 // unable to connect to any host
        or 1043 // bad handshake
        or 1044 or 1045 // access denied: a configuration fix away, not a reason to dead-letter records
        or 1049 // unknown database
        or 1053 // server shutdown in progress
        or 1205 or 1213 // lock wait timeout, deadlock: rolled back, safe to retry
        or 1927 // connection killed
        or (>= 1158 and <= 1161) // network read/write errors
        or (>= 2000 and <= 2099); // client-side connection errors (2002, 2003, 2006, 2013, …)

    protected override string ColumnTypeSql(ColumnMapping column) => column.Type switch
    {
        // A row's VARCHARs share a 65,535-byte limit (4 bytes per utf8mb4 character); long text goes off-row.
        ColumnType.Text => column.MaxLength is { } max && max <= 4_000 ? $"VARCHAR({max})" : "LONGTEXT",
        ColumnType.Integer => "BIGINT",
        ColumnType.Real => "DOUBLE",
        ColumnType.Boolean => "BOOLEAN",
        // DATETIME holds UTC as written; TIMESTAMP would convert through the session time zone and ends in 2038.
        ColumnType.Timestamp => "DATETIME(6)",
        _ => "JSON",
    };

    private static uint Seconds(TimeSpan span) => (uint)Math.Max(1, Math.Ceiling(span.TotalSeconds));
}
