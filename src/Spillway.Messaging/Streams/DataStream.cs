namespace Spillway.Messaging.Streams;

/// <summary>
/// One stream: shards of records ordered by sequence number, kept for the retention period whoever reads them.
/// Every shard's records live in one segment log, so a put across shards is one group commit.
/// </summary>
public sealed partial class DataStream
{
    internal DataStream()
    {
    }

    /// <summary>The stream's name.</summary>
    public string Name => throw new NotImplementedException();

    /// <summary>The current definition: mode, retention, quotas, and the open shard count.</summary>
    public StreamDefinition Definition => throw new NotImplementedException();

    /// <summary>Active, or Updating while a reshard is in progress.</summary>
    public StreamStatus Status => throw new NotImplementedException();

    /// <summary>When the stream was created.</summary>
    public DateTimeOffset CreatedAt => throw new NotImplementedException();

    /// <summary>The open shards and the closed ones still holding records, by id.</summary>
    public IReadOnlyList<ShardDescription> Shards => throw new NotImplementedException();

    /// <summary>The stream's tags.</summary>
    public IReadOnlyDictionary<string, string> Tags => throw new NotImplementedException();

    /// <summary>Adds or replaces <paramref name="add"/> and removes <paramref name="remove"/>; durable before this completes.</summary>
    public ValueTask SetTagsAsync(
        IReadOnlyDictionary<string, string> add, IReadOnlyCollection<string> remove, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>
    /// Puts records, durable before this completes (one group commit for the whole batch); per-record outcomes in
    /// input order.
    /// </summary>
    public ValueTask<IReadOnlyList<PutOutcome>> PutAsync(IReadOnlyList<StreamRecordInput> records, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>The open shard taking <paramref name="explicitHashKey"/>, or else MD5 of the UTF-8 key as a big-endian 128-bit integer.</summary>
    public ShardDescription ShardFor(string partitionKey, UInt128? explicitHashKey) => throw new NotImplementedException();

    /// <summary>Where a read of <paramref name="shardId"/> starts for <paramref name="start"/>.</summary>
    public ShardPosition Seek(string shardId, IteratorStart start, string? sequenceNumber = null, DateTimeOffset? timestamp = null)
        => throw new NotImplementedException();

    /// <summary>Reads up to <paramref name="maxRecords"/> records and <paramref name="maxBytes"/> bytes from
    /// <paramref name="from"/>; a trimmed position reads from the oldest record kept.</summary>
    public ShardReadResult Read(ShardPosition from, int maxRecords, long maxBytes = StreamLimits.MaxGetRecordsBytes)
        => throw new NotImplementedException();

    /// <summary>Completes true as soon as a record exists at or after <paramref name="from"/> (or the shard is closed),
    /// false on timeout.</summary>
    public ValueTask<bool> WaitForRecordsAsync(ShardPosition from, TimeSpan timeout, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>Where a LATEST iterator of <paramref name="shardId"/> starts now.</summary>
    public ShardPosition Latest(string shardId) => throw new NotImplementedException();

    /// <summary>Changes how long records are kept; durable before this completes.</summary>
    public ValueTask SetRetentionAsync(TimeSpan retention, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>Switches between provisioned and on-demand; durable before this completes.</summary>
    public ValueTask SetModeAsync(StreamMode mode, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Closes <paramref name="shardId"/> and opens two children splitting its hash-key range at
    /// <paramref name="newStartingHashKey"/>.</summary>
    public ValueTask SplitShardAsync(string shardId, UInt128 newStartingHashKey, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>Closes two shards with adjacent hash-key ranges and opens one child covering both.</summary>
    public ValueTask MergeShardsAsync(string shardId, string adjacentShardId, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>Reshards to <paramref name="targetShardCount"/> open shards of equal hash-key ranges (uniform scaling).</summary>
    public ValueTask UpdateShardCountAsync(int targetShardCount, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>The last sequence number <paramref name="consumer"/> processed in <paramref name="shardId"/>, or null.</summary>
    public string? GetCheckpoint(string consumer, string shardId) => throw new NotImplementedException();

    /// <summary>Records that <paramref name="consumer"/> processed <paramref name="shardId"/> up to and including
    /// <paramref name="sequenceNumber"/>; durable before this completes.</summary>
    public ValueTask SaveCheckpointAsync(string consumer, string shardId, string sequenceNumber, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>The consumers registered for enhanced fan-out, by name.</summary>
    public IReadOnlyList<RegisteredConsumer> Consumers => throw new NotImplementedException();

    /// <summary>Registers a consumer for enhanced fan-out; <see cref="StreamInUseException"/> when one of that name exists.</summary>
    public ValueTask<RegisteredConsumer> RegisterConsumerAsync(string name, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>Removes a registered consumer; false when there is none of that name.</summary>
    public ValueTask<bool> DeregisterConsumerAsync(string name, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>Records put since the engine opened.</summary>
    public long TotalRecords => throw new NotImplementedException();

    /// <summary>Data bytes put since the engine opened.</summary>
    public long TotalBytes => throw new NotImplementedException();

    /// <summary>Records the stream holds now, across its shards.</summary>
    public long RecordsKept => throw new NotImplementedException();

    /// <summary>Arrival time of the oldest record kept, or null when the stream holds none.</summary>
    public DateTimeOffset? OldestRecordTimestamp => throw new NotImplementedException();

    /// <summary>Per shard counters, by shard id.</summary>
    public IReadOnlyList<ShardCounters> ShardCounters => throw new NotImplementedException();
}
