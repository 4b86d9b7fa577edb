using System.Data.Common;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Spillway.Sinks.Internal;

namespace Spillway.Sinks.PostgreSql;

/// <summary>
/// PostgreSQL through Npgsql. The fast path is binary COPY straight into the table; a redelivered batch makes COPY
/// fail on the primary key, and then the batch is written again with INSERT … ON CONFLICT DO NOTHING.
/// </summary>
internal sealed class PostgreSqlDialect : SqlDialect
{
    private readonly NpgsqlDataSource dataSource;
    private readonly string copySql;

    public PostgreSqlDialect(TableShape shape, DatabaseUrl url, SqlSinkOptions options)
        : base(shape)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = url.Host,
            Port = url.Port!.Value,
            Database = url.Database,
            Username = url.User,
            Password = url.Password,
            Pooling = true,
            MinPoolSize = 0,
            // The same cap as the sink's gate, so the limit also holds at the server whatever happens above.
            MaxPoolSize = options.MaxConnections,
            Timeout = Seconds(url.SecondsOption("connect_timeout", options.ConnectTimeout)),
            CommandTimeout = Seconds(url.SecondsOption("command_timeout", options.CommandTimeout)),
            ApplicationName = Truncate("spillway:" + options.Name, 63),
        };
        if (url.Options.TryGetValue("sslmode", out var sslMode))
        {
            builder.SslMode = Enum.TryParse<SslMode>(sslMode.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var mode)
                ? mode
                : throw new ArgumentException($"The database URL has sslmode='{sslMode}', which PostgreSQL does not know.", "DatabaseUrl");
        }

        dataSource = NpgsqlDataSource.Create(builder);
        copySql = $"COPY {Quote(shape.Table)} ({string.Join(", ", shape.InsertColumns.Select(Quote))}) FROM STDIN (FORMAT BINARY)";
    }

    public override string Provider => DatabaseUrl.PostgreSql;

    protected override int MaxParametersPerStatement => 65_535;

    protected override string OnConflictDoNothing => $"ON CONFLICT ({Quote(Shape.IdColumn)}) DO NOTHING";

    // Positional parameters spare Npgsql from rewriting the SQL text for every statement.
    protected override string Placeholder(int index) => "$" + (index + 1).ToString(CultureInfo.InvariantCulture);

    protected override string? ParameterName(int index) => null;

    public override DbConnection CreateConnection() => dataSource.CreateConnection();

    public override void ClearPool(DbConnection connection) => dataSource.Clear();

    public override string Quote(string identifier) => QuoteIdentifier(identifier);

    internal static string QuoteIdentifier(string identifier) => '"' + identifier + '"';

    public override string TableExistsSql(string table) =>
        $"SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = '{table}'";

    // The id default only serves rows written by other tools; the sink always writes the message id.
    protected override string IdColumnDefinition => "uuid PRIMARY KEY DEFAULT gen_random_uuid()";

    protected override string CreatedAtColumnDefinition => "timestamptz NOT NULL DEFAULT now()";

    protected override string CheckpointNameType => "text";

    // "C" compares bytes whatever the database's collation, which orders sequence numbers (digits of one length).
    protected override string CheckpointSequenceType => "text COLLATE \"C\"";

    // "C" orders and compares text keys byte for byte, as MariaDB's utf8mb4_bin and SQLite do, whatever the database's
    // collation; milliseconds are all a window bound has.
    protected override string AggregateTypeSql(ColumnType type, int? maxLength) => type switch
    {
        ColumnType.Text => $"varchar({maxLength}) COLLATE \"C\"",
        ColumnType.Integer => "bigint",
        ColumnType.Real => "double precision",
        _ => "timestamptz(3)",
    };

    protected override string CheckpointBytesType => "bytea";

    protected override string TableColumnsSql(string table) =>
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), "
        + "CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid AND i.indisprimary AND a.attnum = ANY(i.indkey)) "
        + "THEN 1 ELSE 0 END "
        + "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
        + "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        + $"WHERE c.relname = '{table}' AND n.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped "
        + "ORDER BY a.attnum";

    public override async Task<int> WriteAsync(
        DbConnection connection, IReadOnlyList<MappedRow> rows, StreamCheckpoint? checkpoint, CancellationToken cancellationToken)
    {
        // COPY fails on a key already in the table, the usual case for keyed rows: they take the upsert straight away.
        if (Shape.KeyColumns.Count > 0)
        {
            return await base.WriteAsync(connection, rows, checkpoint, cancellationToken).ConfigureAwait(false);
        }

        var npgsql = (NpgsqlConnection)connection;
        try
        {
            await using var transaction = await npgsql.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            ulong copied;
            await using (var importer = await npgsql.BeginBinaryImportAsync(copySql, cancellationToken).ConfigureAwait(false))
            {
                foreach (var row in rows)
                {
                    await WriteRowAsync(importer, row, cancellationToken).ConfigureAwait(false);
                }

                copied = await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
            }

            await SaveCheckpointAsync(npgsql, transaction, checkpoint, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return checked((int)copied);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // Some of the rows are there already (a redelivery); the transaction was rolled back when disposed.
        }

        return await base.WriteAsync(connection, rows, checkpoint, cancellationToken).ConfigureAwait(false);
    }

    public override bool IsUnavailable(Exception exception) => exception switch
    {
        PostgresException e => e.SqlState.StartsWith("08", StringComparison.Ordinal) // connection exception
            || e.SqlState is PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.AdminShutdown
                or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow
                or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected
                or PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification
                or PostgresErrorCodes.InvalidCatalogName or PostgresErrorCodes.InsufficientResources
                or PostgresErrorCodes.DiskFull or PostgresErrorCodes.OutOfMemory
                or PostgresErrorCodes.ReadOnlySqlTransaction,
        // Anything else Npgsql raises itself (not the server) is I/O, a timeout or a broken connection.
        NpgsqlException => true,
        _ => IsNetworkFailure(exception),
    };

    // Data exceptions (22) and integrity constraint violations (23); a duplicate id never gets here (see WriteAsync).
    public override bool IsRecordError(Exception exception) =>
        exception is PostgresException { SqlState: ['2', '2' or '3', ..] };

    public override ValueTask DisposeAsync() => dataSource.DisposeAsync();

    public override Guid ReadId(DbDataReader reader, int ordinal) => reader.GetGuid(ordinal);

    public override DateTime ReadTimestamp(DbDataReader reader, int ordinal) => reader.GetFieldValue<DateTime>(ordinal);

    public override bool CopiesCsv => true;

    public override Task CopyCsvAsync(
        DbConnection connection, CsvCopyQuery query, Func<ICsvRecordSource, CancellationToken, Task> consume, CancellationToken cancellationToken) =>
        PostgreSqlCsvCopy.RunAsync((NpgsqlConnection)connection, query, consume, cancellationToken);

    private async Task WriteRowAsync(NpgsqlBinaryImporter importer, MappedRow row, CancellationToken cancellationToken)
    {
        await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
        await importer.WriteAsync(row.Id, NpgsqlDbType.Uuid, cancellationToken).ConfigureAwait(false);
        var columns = Shape.Columns;
        for (var i = 0; i < row.Values.Length; i++)
        {
            var value = row.Values[i];
            var task = value is null ? importer.WriteNullAsync(cancellationToken) : columns[i].Type switch
            {
                ColumnType.Text => importer.WriteAsync((string)value, NpgsqlDbType.Text, cancellationToken),
                ColumnType.Integer => importer.WriteAsync((long)value, NpgsqlDbType.Bigint, cancellationToken),
                ColumnType.Real => importer.WriteAsync((double)value, NpgsqlDbType.Double, cancellationToken),
                ColumnType.Boolean => importer.WriteAsync((bool)value, NpgsqlDbType.Boolean, cancellationToken),
                ColumnType.Timestamp => importer.WriteAsync((DateTime)value, NpgsqlDbType.TimestampTz, cancellationToken),
                _ => importer.WriteAsync((string)value, NpgsqlDbType.Jsonb, cancellationToken),
            };
            await task.ConfigureAwait(false);
        }

        if (Shape.CreatedAtColumn is not null)
        {
            await importer.WriteAsync(row.CreatedAt, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
        }
    }

    protected override void ConfigureParameter(DbParameter parameter, ColumnType? type)
    {
        // A text parameter does not convert to jsonb on its own; every other value's CLR type already says enough.
        if (type == ColumnType.Json)
        {
            ((NpgsqlParameter)parameter).NpgsqlDbType = NpgsqlDbType.Jsonb;
        }
    }

    protected override string ColumnTypeSql(ColumnMapping column) => column.Type switch
    {
        ColumnType.Text => column.MaxLength is { } max ? $"varchar({max})" : "text",
        ColumnType.Integer => "bigint",
        ColumnType.Real => "double precision",
        ColumnType.Boolean => "boolean",
        ColumnType.Timestamp => "timestamptz",
        _ => "jsonb",
    };

    private static int Seconds(TimeSpan span) => (int)Math.Max(1, Math.Ceiling(span.TotalSeconds));

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
