using System.Data.Common;
using System.Globalization;
using System.Text;
using Spillway.Sinks.Aggregates;

namespace Spillway.Sinks.Internal;

/// <summary>
/// The SQL of aggregation results tables (<see cref="AggregateShape"/>) and their checkpoint table
/// (<see cref="AggregateCheckpointTable"/>): DDL, the multi-row upsert on (keys, window), the checkpoint upsert, and
/// reading back a table's columns to compare with a shape.
/// </summary>
internal abstract partial class SqlDialect
{
    /// <summary>Where every aggregation keeps its checkpoint, one row per owner.</summary>
    public const string AggregateCheckpointTable = "spillway_aggregation_checkpoints";

    private const string OwnerColumn = "owner";
    private const string CheckpointColumn = "checkpoint";

    /// <summary>The type of an aggregate column: Text (with its MaxLength, compared byte for byte), Integer, Real, or
    /// Timestamp (a window bound, to the millisecond).</summary>
    protected abstract string AggregateTypeSql(ColumnType type, int? maxLength);

    /// <summary>The type of the checkpoint column: bytes, several MB of them.</summary>
    protected abstract string CheckpointBytesType { get; }

    /// <summary>Whether to prepare the reused full-size upsert (as the sink's inserts are where that pays).</summary>
    public bool PreparesAggregateUpserts => PrepareInserts;

    /// <summary>Begins a write transaction the way this database's sink writes begin.</summary>
    public Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        BeginAsync(connection, cancellationToken);

    /// <summary>A window bound as this database stores it: a UTC DateTime, or its fixed-width text where times are text.</summary>
    public virtual object WindowTimeValue(DateTime utc) => utc;

    /// <summary>CREATE TABLE IF NOT EXISTS for an aggregation's results.</summary>
    public string CreateAggregateTableSql(AggregateShape shape)
    {
        var columns = shape.Columns.Select((c, i) =>
            $"{Quote(c.Name)} {AggregateTypeSql(c.Type, c.MaxLength)}{(i < shape.Keys.Count + 2 ? " NOT NULL" : "")}");
        return $"CREATE TABLE IF NOT EXISTS {Quote(shape.Table)} ({string.Join(", ", columns)}, "
            + $"PRIMARY KEY ({string.Join(", ", AggregateOrder(shape).Select(Quote))})){TableOptions}";
    }

    /// <summary>CREATE TABLE IF NOT EXISTS for the aggregation checkpoints.</summary>
    public string CreateAggregateCheckpointTableSql() =>
        $"CREATE TABLE IF NOT EXISTS {Quote(AggregateCheckpointTable)} ({Quote(OwnerColumn)} {CheckpointNameType} NOT NULL PRIMARY KEY, "
        + $"{Quote(CheckpointColumn)} {CheckpointBytesType} NOT NULL, {Quote(UpdatedAtColumn)} {CreatedAtColumnDefinition}){TableOptions}";

    /// <summary>
    /// The primary key and the reading order: window_start first, so pages in time order and a time range are an
    /// index range; the keys then make a window's rows unique, and window_end separates hopping or session windows that
    /// share a start.
    /// </summary>
    public static IEnumerable<string> AggregateOrder(AggregateShape shape) =>
        [AggregateShape.WindowStart, .. shape.Keys.Select(k => k.Name), AggregateShape.WindowEnd];

    /// <summary>
    /// Rows per upsert statement: within the parameter limit and, where statements are bounded in bytes, within that
    /// bound for rows of the longest keys (every other value is a number or a time).
    /// </summary>
    public int AggregateRowsPerStatement(AggregateShape shape)
    {
        var perRow = shape.Keys.Count + 2 + shape.Values.Count;
        var rows = Math.Min(MaxRowsPerStatement, MaxParametersPerStatement / perRow);
        if (MaxStatementBytes is { } budget)
        {
            var rowBytes = 64 + shape.Columns.Sum(c => c.Type == ColumnType.Text ? (c.MaxLength!.Value * 4L) + 8 : 32);
            rows = (int)Math.Min(rows, budget / rowBytes);
        }

        return Math.Max(1, rows);
    }

    /// <summary>The multi-row INSERT of <paramref name="rowCount"/> rows that replaces a stored row of the same keys and window.</summary>
    public string AggregateUpsertSql(AggregateShape shape, int rowCount)
    {
        var columns = shape.Columns;
        var sql = new StringBuilder(128 + (rowCount * columns.Count * 6));
        sql.Append("INSERT INTO ").Append(Quote(shape.Table))
            .Append(" (").AppendJoin(", ", columns.Select(c => Quote(c.Name))).Append(") VALUES ");
        for (var row = 0; row < rowCount; row++)
        {
            sql.Append(row == 0 ? "(" : ", (");
            for (var column = 0; column < columns.Count; column++)
            {
                sql.Append(column == 0 ? "" : ", ").Append(Placeholder((row * columns.Count) + column));
            }

            sql.Append(')');
        }

        return sql.Append(' ').Append(AggregateOnConflict(shape)).ToString();
    }

    /// <summary>ON CONFLICT (key and window) DO UPDATE here (PostgreSQL, SQLite); MariaDB and MySQL spell it their way.</summary>
    protected virtual string AggregateOnConflict(AggregateShape shape)
    {
        var target = string.Join(", ", AggregateOrder(shape).Select(Quote));
        var updated = shape.Values.Select(v => $"{Quote(v.Name)} = excluded.{Quote(v.Name)}");
        return shape.Values.Count == 0
            ? $"ON CONFLICT ({target}) DO NOTHING"
            : $"ON CONFLICT ({target}) DO UPDATE SET {string.Join(", ", updated)}";
    }

    /// <summary>The upsert of an owner's checkpoint, its parameters owner and bytes at 0 and 1. ON CONFLICT here; MariaDB
    /// and MySQL spell it their way.</summary>
    public virtual string AggregateCheckpointUpsertSql() =>
        $"{AggregateCheckpointInsertSql()} ON CONFLICT ({Quote(OwnerColumn)}) DO UPDATE SET "
        + $"{Quote(CheckpointColumn)} = excluded.{Quote(CheckpointColumn)}, {Quote(UpdatedAtColumn)} = CURRENT_TIMESTAMP";

    /// <summary>The INSERT the checkpoint upsert starts with.</summary>
    protected string AggregateCheckpointInsertSql() =>
        $"INSERT INTO {Quote(AggregateCheckpointTable)} ({Quote(OwnerColumn)}, {Quote(CheckpointColumn)}) "
        + $"VALUES ({Placeholder(0)}, {Placeholder(1)})";

    /// <summary>The name of the checkpoint column, for a dialect's own upsert.</summary>
    protected string AggregateCheckpointColumn => Quote(CheckpointColumn);

    /// <summary>Reads an owner's checkpoint; its parameter, the owner, at 0.</summary>
    public string AggregateCheckpointSelectSql() =>
        $"SELECT {Quote(CheckpointColumn)} FROM {Quote(AggregateCheckpointTable)} WHERE {Quote(OwnerColumn)} = {Placeholder(0)}";

    /// <summary>Deletes an owner's checkpoint; its parameter, the owner, at 0.</summary>
    public string AggregateCheckpointDeleteSql() =>
        $"DELETE FROM {Quote(AggregateCheckpointTable)} WHERE {Quote(OwnerColumn)} = {Placeholder(0)}";

    /// <summary>
    /// Most bytes of a checkpoint one statement can carry, for a server that bounds its statements (MySQL's
    /// max_allowed_packet); null for no bound short of the database's own limits.
    /// </summary>
    public virtual Task<long?> MaxCheckpointBytesAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<long?>(null);

    /// <summary>
    /// A query answering a table's columns in order: name, declared type, and whether the column is in the primary key
    /// (non-zero). The name is a checked identifier, so it is written into the SQL as a literal.
    /// </summary>
    protected abstract string TableColumnsSql(string table);

    /// <summary>The columns of <paramref name="table"/> as the database reports them; empty when there is no such table.</summary>
    public async Task<IReadOnlyList<StoredColumn>> ReadTableColumnsAsync(
        DbConnection connection, string table, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = TableColumnsSql(table);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var columns = new List<StoredColumn>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var inKey = Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture) != 0;
            columns.Add(new StoredColumn(reader.GetString(0), reader.IsDBNull(1) ? "" : reader.GetString(1), inKey));
        }

        return columns;
    }

    /// <summary>
    /// The kind of a column type, as spelled in DDL or as a database reports it: text (with its length when stated),
    /// integer, real, timestamp or bytes; so "varchar(200) COLLATE "C"" and "character varying(200)" compare equal.
    /// </summary>
    public static string TypeKind(string type)
    {
        var lower = type.ToLowerInvariant();
        var kind = lower switch
        {
            _ when lower.Contains("char", StringComparison.Ordinal) || lower.Contains("text", StringComparison.Ordinal)
                || lower.Contains("clob", StringComparison.Ordinal) => "text",
            _ when lower.Contains("int", StringComparison.Ordinal) => "integer",
            _ when lower.Contains("double", StringComparison.Ordinal) || lower.Contains("real", StringComparison.Ordinal)
                || lower.Contains("float", StringComparison.Ordinal) => "real",
            _ when lower.Contains("timestamp", StringComparison.Ordinal) || lower.Contains("datetime", StringComparison.Ordinal) => "timestamp",
            _ when lower.Contains("blob", StringComparison.Ordinal) || lower.Contains("bytea", StringComparison.Ordinal) => "bytes",
            _ => lower,
        };
        if (kind != "text")
        {
            return kind;
        }

        var open = lower.IndexOf('(', StringComparison.Ordinal);
        var close = open < 0 ? -1 : lower.IndexOf(')', open);
        return close > open + 1 ? $"text({lower[(open + 1)..close]})" : kind;
    }

    /// <summary>The kind (<see cref="TypeKind"/>) of the type this database gives an aggregate column.</summary>
    public string AggregateTypeKind(AggregateColumn column) => TypeKind(AggregateTypeSql(column.Type, column.MaxLength));
}

/// <summary>A column of an existing table.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Type">Its type as the database reports it.</param>
/// <param name="InPrimaryKey">Whether it is part of the primary key.</param>
internal sealed record StoredColumn(string Name, string Type, bool InPrimaryKey);
