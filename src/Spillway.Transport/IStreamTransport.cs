using Spillway.Messaging.Streams;

namespace Spillway.Transport;

/// <summary>
/// Where a transport keeps streams (sharded, ordered, replayable logs): the embedded engine's
/// (<see cref="EmbeddedStreamTransport"/>) or a broker's. Producers (ingest routes) take an <see cref="IStreamProducer"/>,
/// stream consumers an <see cref="IStreamSource"/>; neither knows which transport it has. The value types are the
/// engine's (<see cref="ShardDescription"/>, <see cref="StreamRecord"/>, ...), so every transport speaks one vocabulary.
/// </summary>
public interface IStreamTransport
{
    /// <summary>Creates the stream when it does not exist; an existing stream keeps its definition.</summary>
    ValueTask EnsureStreamAsync(StreamDefinition definition, CancellationToken cancellationToken);

    /// <summary>The producer of a stream; null when the stream does not exist (yet).</summary>
    IStreamProducer? FindProducer(string streamName);

    /// <summary>
    /// True when a consumer that writes a SQL sink keeps its checkpoints in the sink's database, written in the
    /// transaction of the rows they cover, and passes them to <see cref="OpenSource"/>: a broker's nodes hold nothing of
    /// their own, and the database is the one store that outlives any of them and already holds the rows. False for the
    /// embedded engine, which keeps checkpoints itself, durably, on the node that also writes the rows.
    /// </summary>
    bool CheckpointsInSink => false;

    /// <summary>Opens a reader over a stream's shards.</summary>
    /// <param name="streamName">The stream.</param>
    /// <param name="checkpoints">Where the consumer's checkpoints live instead of the transport's own store; only when
    /// <see cref="CheckpointsInSink"/>, null otherwise.</param>
    /// <exception cref="StreamNotFoundException">The stream does not exist.</exception>
    IStreamSource OpenSource(string streamName, IStreamCheckpointStore? checkpoints = null);
}

/// <summary>
/// A stream's consumer checkpoints, per consumer and shard: the last sequence number each consumer finished there.
/// </summary>
public interface IStreamCheckpointStore
{
    /// <summary>The last sequence number <paramref name="consumer"/> finished in the shard; null when none.</summary>
    ValueTask<string?> GetAsync(string consumer, string shardId, CancellationToken cancellationToken);

    /// <summary>Records durably that <paramref name="consumer"/> finished the shard up to and including the sequence
    /// number; one at or before the stored checkpoint leaves it where it is.</summary>
    ValueTask SaveAsync(string consumer, string shardId, string sequenceNumber, CancellationToken cancellationToken);
}

/// <summary>Puts records into one stream.</summary>
public interface IStreamProducer
{
    string StreamName { get; }

    /// <summary>Whether puts can succeed now (the engine's storage, or the broker's connection).</summary>
    TransportStatus Status { get; }

    /// <summary>Puts the records; completes once every accepted one is durable (fsynced or confirmed). The outcomes are in
    /// input order; a throttled record (only when shard quotas are enforced) was not stored.</summary>
    /// <exception cref="ArgumentException">A record breaks the stream's limits (<see cref="StreamLimits"/>); nothing was stored.</exception>
    /// <exception cref="IOException">Storage or the broker failed; not acknowledged.</exception>
    ValueTask<IReadOnlyList<PutOutcome>> PutAsync(IReadOnlyList<StreamRecordInput> records, CancellationToken cancellationToken);
}

/// <summary>
/// Reads one stream shard by shard, as a stream consumer does: the shards with their parents, a position from a
/// starting point, records from a position, and the consumer's durable checkpoint per shard.
/// </summary>
/// <remarks>
/// The embedded source keeps checkpoints in the engine, durably, per consumer and shard. A broker's source keeps them in
/// the <see cref="IStreamCheckpointStore"/> it was opened with: the SQL sink's database, where they commit with the rows
/// (<see cref="IStreamTransport.CheckpointsInSink"/>), or its own on the broker for other handlers. A SQL sink never
/// doubles a row either way: the row id is derived from the record's identity (stream, shard, sequence number), so a
/// record read again past a checkpoint that lagged behind the rows is skipped by the table's key.
/// </remarks>
public interface IStreamSource : IAsyncDisposable
{
    string StreamName { get; }

    /// <summary>The shards, open and closed ones still holding records, with their parents.</summary>
    /// <exception cref="StreamNotFoundException">The stream was deleted.</exception>
    ValueTask<IReadOnlyList<ShardDescription>> ListShardsAsync(CancellationToken cancellationToken);

    /// <summary>Where a read starts in a shard: the oldest record kept, the latest, at or after a sequence number, at a time.</summary>
    /// <exception cref="StreamNotFoundException">The shard does not exist.</exception>
    ValueTask<ShardPosition> SeekAsync(
        string shardId, IteratorStart start, string? sequenceNumber, DateTimeOffset? timestamp, CancellationToken cancellationToken);

    /// <summary>
    /// Reads up to <paramref name="maxRecords"/> records from <paramref name="from"/>; when there are none yet, waits up
    /// to <paramref name="wait"/> for one first. <see cref="ShardReadResult.Next"/> is null once a closed shard is read to
    /// its end (its children are then in <see cref="ShardReadResult.ChildShards"/>).
    /// </summary>
    ValueTask<ShardReadResult> ReadAsync(ShardPosition from, int maxRecords, TimeSpan wait, CancellationToken cancellationToken);

    /// <summary>The last sequence number <paramref name="consumer"/> finished in the shard; null when none.</summary>
    ValueTask<string?> GetCheckpointAsync(string consumer, string shardId, CancellationToken cancellationToken);

    /// <summary>Records durably that <paramref name="consumer"/> finished the shard up to and including the sequence number.</summary>
    ValueTask SaveCheckpointAsync(string consumer, string shardId, string sequenceNumber, CancellationToken cancellationToken);
}
