using Spillway.Messaging.Streams.Internal;

namespace Spillway.Messaging.Streams;

/// <summary>
/// How records are routed to shards, for a transport that keeps a stream's shards elsewhere (a broker) and must route
/// exactly as the engine does, so that a partition key lands on the same shard whichever transport carries it.
/// </summary>
public static class StreamKeys
{
    /// <summary>MD5 of the UTF-8 partition key read as a big-endian 128-bit integer, as Kinesis routes records.</summary>
    public static UInt128 HashKey(string partitionKey)
    {
        ArgumentNullException.ThrowIfNull(partitionKey);
        return StreamCodec.HashKey(partitionKey);
    }

    /// <summary>The hash-key ranges of <paramref name="count"/> equal shards over the whole key space, as a stream
    /// created with that many shards has them.</summary>
    public static IReadOnlyList<(UInt128 Start, UInt128 End)> EvenRanges(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return StreamCodec.EvenRanges(UInt128.Zero, UInt128.MaxValue, count);
    }

    /// <summary>The sequence number of the record at <paramref name="position"/> of shard number <paramref name="shard"/>:
    /// fixed width, so sequence numbers grow per shard as numbers and as strings.</summary>
    public static string SequenceNumber(long position, int shard) => StreamCodec.SequenceNumber(position, shard);

    /// <summary>The position and shard number a sequence number from <see cref="SequenceNumber"/> names; false for
    /// anything else.</summary>
    public static bool TryParseSequenceNumber(string? sequenceNumber, out long position, out int shard) =>
        StreamCodec.TryParseSequenceNumber(sequenceNumber, out position, out shard);
}
