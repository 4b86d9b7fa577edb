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
    ValueTask<SinkWriteResult> WriteAsync(IReadOnlyList<SinkRecord> records, CancellationToken cancellationToken = default);

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
public sealed record SinkWriteResult(int Inserted, IReadOnlyList<RejectedRecord> Rejected);

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
