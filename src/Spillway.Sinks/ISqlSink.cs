namespace Spillway.Sinks;

/// <summary>
/// Writes records into one table of a relational database through a capped connection pool. Every write is
/// idempotent: a record whose message id is already in the table never makes a second row.
/// </summary>
public interface ISqlSink : IAsyncDisposable
{
    /// <summary>The sink's name from configuration.</summary>
    string Name { get; }

    /// <summary>The database provider ("sqlite", "postgresql" or "mysql").</summary>
    string Provider { get; }

    /// <summary>Creates the table when it is missing.</summary>
    ValueTask EnsureSchemaAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes the records, one transaction per 10,000 (the most one receive returns) with every statement in it bounded.
    /// Records that cannot be mapped to the table (a missing required field, a wrong type) are returned in
    /// <see cref="SinkWriteResult.Rejected"/> and not written; the rest are. Throws <see cref="SinkUnavailableException"/>
    /// when the database cannot be reached or no connection could be borrowed in time: the transaction under way did not
    /// commit, and the caller retries later (a row already written is skipped then, by its id).
    /// </summary>
    /// <param name="records">The records, each becoming one row keyed by its message id.</param>
    /// <param name="checkpoint">A stream consumer's checkpoint that these records complete, or null. It is written (a
    /// <see cref="SaveCheckpointAsync"/> in the same transaction as the last of the rows) only when every record went in,
    /// none rejected: a checkpoint says that every record up to it is in the table. <see cref="SinkWriteResult.CheckpointSaved"/>
    /// says whether it was.</param>
    /// <param name="cancellationToken">Cancels the write; what did not commit is not written.</param>
    ValueTask<SinkWriteResult> WriteAsync(
        IReadOnlyList<SinkRecord> records, StreamCheckpoint? checkpoint = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// The sequence number a stream consumer last finished in a shard, from the checkpoint table
    /// (<see cref="StreamCheckpoint.Table"/>, created here when missing); null when there is none.
    /// </summary>
    /// <exception cref="SinkUnavailableException">The database cannot be reached.</exception>
    ValueTask<string?> ReadCheckpointAsync(string consumer, string stream, string shard, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records a stream consumer's checkpoint on its own, durably; a checkpoint never moves backwards, so one at or before
    /// the stored one leaves it as it is.
    /// </summary>
    /// <exception cref="SinkUnavailableException">The database cannot be reached; the checkpoint may or may not be stored.</exception>
    ValueTask SaveCheckpointAsync(StreamCheckpoint checkpoint, CancellationToken cancellationToken = default);

    /// <summary>True when a connection can be borrowed and the database answers.</summary>
    ValueTask<bool> PingAsync(CancellationToken cancellationToken = default);

    /// <summary>Pool figures for metrics and tests.</summary>
    SinkPoolStatistics PoolStatistics { get; }
}

/// <summary>One record to write: a JSON object body whose fields map to columns.</summary>
/// <param name="MessageId">The Spillway message id; it becomes the row's id, which makes writes idempotent.</param>
/// <param name="Body">The record as a UTF-8 JSON object.</param>
/// <param name="SentAt">When the record was accepted; fills the created-at column.</param>
public readonly record struct SinkRecord(Guid MessageId, ReadOnlyMemory<byte> Body, DateTimeOffset SentAt);

/// <summary>The outcome of a write.</summary>
/// <param name="Inserted">Rows inserted (records already present are not counted).</param>
/// <param name="Rejected">Records that could not be mapped, with the reason.</param>
public sealed record SinkWriteResult(int Inserted, IReadOnlyList<RejectedRecord> Rejected)
{
    /// <summary>True when the write's checkpoint committed with its rows (never when a record was rejected).</summary>
    public bool CheckpointSaved { get; init; }
}

/// <summary>
/// Where a stream consumer stands in one shard: it finished every record up to and including
/// <paramref name="SequenceNumber"/>. Kept in the sink's database, in <see cref="Table"/>, one row per consumer, stream
/// and shard, when the consumer's transport keeps none of its own (RabbitMQ): written in the transaction of the rows it
/// covers, it can never pass a row that is not there.
/// </summary>
/// <param name="Consumer">The consumer (the worker's name).</param>
/// <param name="Stream">The stream.</param>
/// <param name="Shard">The shard id.</param>
/// <param name="SequenceNumber">The last sequence number finished; sequence numbers have one length and grow as strings.</param>
public sealed record StreamCheckpoint(string Consumer, string Stream, string Shard, string SequenceNumber)
{
    /// <summary>The table of checkpoints, beside the sink's own table in its database.</summary>
    public const string Table = "spillway_stream_checkpoints";

    /// <summary>Longest consumer, stream or shard name the table holds.</summary>
    public const int MaxNameLength = 200;

    /// <summary>Longest sequence number the table holds.</summary>
    public const int MaxSequenceNumberLength = 128;

    /// <summary>Throws <see cref="ArgumentException"/> when a part is empty or longer than the table holds.</summary>
    public void Validate()
    {
        Check(Consumer, MaxNameLength, nameof(Consumer));
        Check(Stream, MaxNameLength, nameof(Stream));
        Check(Shard, MaxNameLength, nameof(Shard));
        Check(SequenceNumber, MaxSequenceNumberLength, nameof(SequenceNumber));
    }

    internal static void Check(string value, int max, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(value, name);
        if (value.Length > max)
        {
            throw new ArgumentException($"A checkpoint's {name} is at most {max} characters (was {value.Length}).", name);
        }
    }
}

/// <summary>A record the sink could not map to its table.</summary>
public sealed record RejectedRecord(Guid MessageId, string Reason);

/// <summary>Pool figures.</summary>
/// <param name="MaxConnections">The cap.</param>
/// <param name="InUse">Connections borrowed now.</param>
/// <param name="PeakInUse">Most connections ever borrowed at once.</param>
/// <param name="Waits">Borrows that had to wait for a free connection.</param>
public sealed record SinkPoolStatistics(int MaxConnections, int InUse, int PeakInUse, long Waits);

/// <summary>The database is unreachable or the pool had no free connection within the borrow timeout.</summary>
public sealed class SinkUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
