namespace Spillway.Messaging.Streams.Internal;

/// <summary>
/// One shard: its lineage and hash-key range (durable, in the catalog), where it starts and ends in the log, the index
/// of its records, its quotas and counters. Guarded by the stream's lock.
/// </summary>
internal sealed class ShardState(
    int number, int? parent, int? adjacentParent, UInt128 startingHashKey, UInt128 endingHashKey, long startPosition)
{
    public int Number { get; } = number;

    public string Id { get; } = StreamCodec.ShardId(number);

    public int? Parent { get; } = parent;

    public int? AdjacentParent { get; } = adjacentParent;

    public UInt128 StartingHashKey { get; } = startingHashKey;

    public UInt128 EndingHashKey { get; } = endingHashKey;

    /// <summary>The log position when the shard opened; its records all lie at or after it.</summary>
    public long StartPosition { get; } = startPosition;

    /// <summary>The log position when the shard closed (its records all lie before it); null while open.</summary>
    public long? EndPosition { get; set; }

    /// <summary>When the shard closed (Unix ms); a closed shard is forgotten once it holds no records and this is past retention.</summary>
    public long? ClosedAtMs { get; set; }

    public bool IsOpen => EndPosition is null;

    public ShardIndex Index { get; } = new();

    public ShardQuota? Quota { get; set; }

    public long IncomingRecords { get; set; }

    public long IncomingBytes { get; set; }

    public long ReadCalls { get; set; }

    public long RecordsRead { get; set; }

    public bool Contains(UInt128 hashKey) => hashKey >= StartingHashKey && hashKey <= EndingHashKey;

    public ShardDescription Describe() => new(
        Id,
        Parent is { } p ? StreamCodec.ShardId(p) : null,
        AdjacentParent is { } a ? StreamCodec.ShardId(a) : null,
        StartingHashKey,
        EndingHashKey,
        StreamCodec.SequenceNumber(StartPosition, Number),
        EndPosition is { } end ? StreamCodec.SequenceNumber(Math.Max(StartPosition, end - 1), Number) : null);
}
