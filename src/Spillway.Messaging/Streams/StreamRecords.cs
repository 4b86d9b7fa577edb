namespace Spillway.Messaging.Streams;

/// <summary>
/// A shard as Kinesis describes it. Hash keys are Kinesis's 0..2^128-1. Sequence numbers are decimal strings that only
/// grow within a shard; the engine derives them from the log position, so they also parse back to one.
/// </summary>
/// <param name="ShardId">"shardId-000000000000", the index growing as shards are created.</param>
/// <param name="ParentShardId">The shard this one was split from, or the first of the two it was merged from.</param>
/// <param name="AdjacentParentShardId">The second shard of a merge.</param>
/// <param name="StartingHashKey">The lowest hash key this shard takes.</param>
/// <param name="EndingHashKey">The highest hash key this shard takes.</param>
/// <param name="StartingSequenceNumber">The sequence number the shard's first record has or would have.</param>
/// <param name="EndingSequenceNumber">The last sequence number of a closed shard; null while it is open.</param>
public sealed record ShardDescription(
    string ShardId,
    string? ParentShardId,
    string? AdjacentParentShardId,
    UInt128 StartingHashKey,
    UInt128 EndingHashKey,
    string StartingSequenceNumber,
    string? EndingSequenceNumber)
{
    /// <summary>Whether the shard still takes records.</summary>
    public bool IsOpen => EndingSequenceNumber is null;
}

/// <summary>One record to put: its data, its partition key, and optionally the hash key that overrides the key's MD5.</summary>
public readonly record struct StreamRecordInput(ReadOnlyMemory<byte> Data, string PartitionKey, UInt128? ExplicitHashKey = null);

/// <summary>Per record of a put, in input order: where it went, or that it was throttled (only when quotas are enforced).</summary>
public readonly record struct PutOutcome(string? ShardId, string? SequenceNumber, bool Throttled);

/// <summary>A record read from a shard.</summary>
public sealed record StreamRecord(
    string SequenceNumber, DateTimeOffset ApproximateArrivalTimestamp, string PartitionKey, ReadOnlyMemory<byte> Data);

/// <summary>An opaque cursor: a shard and the next log position to read in it. The API layer encodes it into iterators.</summary>
public readonly record struct ShardPosition(string ShardId, long Position);

/// <summary>What one read of a shard returned.</summary>
/// <param name="Records">The records, in sequence order.</param>
/// <param name="Next">Where the next read starts; null once a closed shard is read to its end.</param>
/// <param name="MillisBehindLatest">How far the last record returned (or the position, when none) is behind the
/// shard's newest record, in milliseconds of arrival time; 0 when caught up.</param>
/// <param name="ChildShards">The shards that took over from this one, set when the read reached the end of a closed shard.</param>
public sealed record ShardReadResult(
    IReadOnlyList<StreamRecord> Records,
    ShardPosition? Next,
    long MillisBehindLatest,
    IReadOnlyList<ShardDescription> ChildShards);

/// <summary>A consumer registered on a stream for enhanced fan-out.</summary>
/// <param name="Name">The consumer's name, unique per stream.</param>
/// <param name="Arn">The consumer's ARN when the engine knows one; the API layer builds it from the stream's.</param>
/// <param name="CreatedAt">When it was registered.</param>
public sealed record RegisteredConsumer(string Name, string? Arn, DateTimeOffset CreatedAt);

/// <summary>Counters of one shard since the engine opened, for metrics and the dashboard.</summary>
/// <param name="ShardId">The shard.</param>
/// <param name="RecordsKept">Records the shard holds now (not yet trimmed by retention).</param>
/// <param name="IncomingRecords">Records put since the engine opened.</param>
/// <param name="IncomingBytes">Data bytes put since the engine opened.</param>
/// <param name="ReadCalls">Reads since the engine opened.</param>
/// <param name="RecordsRead">Records returned by reads since the engine opened.</param>
public readonly record struct ShardCounters(
    string ShardId, long RecordsKept, long IncomingRecords, long IncomingBytes, long ReadCalls, long RecordsRead);
