using System.Data.Common;

namespace Spillway.Sinks.Internal;

/// <summary>
/// The stream checkpoint table (<see cref="StreamCheckpoint.Table"/>): one row per consumer, stream and shard, moved
/// only forward by a guarded upsert, so a late commit of a slower node or lane never takes a checkpoint back.
/// </summary>
internal abstract partial class SqlDialect
{
    private const string ConsumerColumn = "consumer";
    private const string StreamColumn = "stream";
    private const string ShardColumn = "shard";
    private const string SequenceNumberColumn = "sequence_number";
    private const string UpdatedAtColumn = "updated_at";

    private string? checkpointUpsertSql;
    private string? checkpointSelectSql;

    /// <summary>Type of the consumer, stream and shard columns: compared byte for byte, as the names are.</summary>
    protected abstract string CheckpointNameType { get; }

    /// <summary>Type of the sequence number column: compared byte for byte, which orders sequence numbers.</summary>
    protected abstract string CheckpointSequenceType { get; }

    /// <summary>CREATE TABLE IF NOT EXISTS for the checkpoint table.</summary>
    public string CreateCheckpointTableSql() =>
        $"CREATE TABLE IF NOT EXISTS {Quote(StreamCheckpoint.Table)} ("
        + $"{Quote(ConsumerColumn)} {CheckpointNameType} NOT NULL, {Quote(StreamColumn)} {CheckpointNameType} NOT NULL, "
        + $"{Quote(ShardColumn)} {CheckpointNameType} NOT NULL, {Quote(SequenceNumberColumn)} {CheckpointSequenceType} NOT NULL, "
        + $"{Quote(UpdatedAtColumn)} {CreatedAtColumnDefinition}, "
        + $"PRIMARY KEY ({Quote(ConsumerColumn)}, {Quote(StreamColumn)}, {Quote(ShardColumn)})){TableOptions}";

    /// <summary>
    /// The guarded upsert of one checkpoint, its parameters consumer, stream, shard and sequence number at 0 to 3: a new
    /// row, or the stored one moved to the new sequence number only when that is later. ON CONFLICT … DO UPDATE … WHERE
    /// here (PostgreSQL, SQLite); MariaDB and MySQL spell it their way.
    /// </summary>
    protected virtual string CheckpointUpsertSql()
    {
        var table = Quote(StreamCheckpoint.Table);
        var sequence = Quote(SequenceNumberColumn);
        return $"{CheckpointInsertSql()} ON CONFLICT ({Quote(ConsumerColumn)}, {Quote(StreamColumn)}, {Quote(ShardColumn)}) "
            + $"DO UPDATE SET {sequence} = excluded.{sequence}, {Quote(UpdatedAtColumn)} = CURRENT_TIMESTAMP "
            + $"WHERE {table}.{sequence} < excluded.{sequence}";
    }

    /// <summary>The INSERT the upsert starts with.</summary>
    protected string CheckpointInsertSql() =>
        $"INSERT INTO {Quote(StreamCheckpoint.Table)} ({Quote(ConsumerColumn)}, {Quote(StreamColumn)}, {Quote(ShardColumn)}, "
        + $"{Quote(SequenceNumberColumn)}) VALUES ({Placeholder(0)}, {Placeholder(1)}, {Placeholder(2)}, {Placeholder(3)})";

    /// <summary>The name of the sequence number column, for a dialect's own upsert.</summary>
    protected string CheckpointSequenceColumn => Quote(SequenceNumberColumn);

    /// <summary>The name of the updated-at column, for a dialect's own upsert.</summary>
    protected string CheckpointUpdatedAtColumn => Quote(UpdatedAtColumn);

    /// <summary>Writes the checkpoint (nothing when null) with the guarded upsert, in the transaction when one is given.</summary>
    public async Task SaveCheckpointAsync(
        DbConnection connection, DbTransaction? transaction, StreamCheckpoint? checkpoint, CancellationToken cancellationToken)
    {
        if (checkpoint is null)
        {
            return;
        }

        await using var command = CheckpointCommand(
            connection, transaction, checkpointUpsertSql ??= CheckpointUpsertSql(),
            checkpoint.Consumer, checkpoint.Stream, checkpoint.Shard, checkpoint.SequenceNumber);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The stored sequence number of a consumer in a shard; null when none.</summary>
    public async Task<string?> ReadCheckpointAsync(
        DbConnection connection, string consumer, string stream, string shard, CancellationToken cancellationToken)
    {
        checkpointSelectSql ??= $"SELECT {Quote(SequenceNumberColumn)} FROM {Quote(StreamCheckpoint.Table)} "
            + $"WHERE {Quote(ConsumerColumn)} = {Placeholder(0)} AND {Quote(StreamColumn)} = {Placeholder(1)} "
            + $"AND {Quote(ShardColumn)} = {Placeholder(2)}";
        await using var command = CheckpointCommand(connection, null, checkpointSelectSql, consumer, stream, shard);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    private DbCommand CheckpointCommand(DbConnection connection, DbTransaction? transaction, string sql, params string[] values)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        for (var i = 0; i < values.Length; i++)
        {
            var parameter = command.CreateParameter();
            if (ParameterName(i) is { } name)
            {
                parameter.ParameterName = name;
            }

            parameter.Value = values[i];
            command.Parameters.Add(parameter);
        }

        return command;
    }
}
