namespace Spillway.Storage;

/// <summary>What recovery found when a <see cref="SegmentLog"/> was opened.</summary>
/// <param name="Segments">Segment files scanned.</param>
/// <param name="Records">Records that passed their checksum and were replayed.</param>
/// <param name="TruncatedBytes">Bytes cut from the end of the last segment: a write torn by a crash (never acknowledged).</param>
/// <param name="Corruptions">Damaged ranges found before the tail; the records in them were skipped.</param>
public sealed record RecoveryReport(int Segments, long Records, long TruncatedBytes, IReadOnlyList<CorruptRange> Corruptions)
{
    /// <summary>True when nothing was dropped or skipped.</summary>
    public bool Clean => TruncatedBytes == 0 && Corruptions.Count == 0;
}

/// <summary>A damaged range of a segment file, skipped by recovery.</summary>
/// <param name="Segment">The segment's file name.</param>
/// <param name="Offset">Offset of the first damaged byte range in the file.</param>
/// <param name="Length">Bytes skipped.</param>
/// <param name="Reason">What was wrong (bad checksum, impossible length, bad header).</param>
public sealed record CorruptRange(string Segment, long Offset, long Length, string Reason);

/// <summary>Counters of a <see cref="SegmentLog"/> since it was opened.</summary>
/// <param name="Appends">Records appended.</param>
/// <param name="Writes">Group writes (one per group commit, more when a group spans segments).</param>
/// <param name="Fsyncs">File fsyncs issued.</param>
/// <param name="BytesWritten">Bytes written.</param>
public readonly record struct SegmentLogMetrics(long Appends, long Writes, long Fsyncs, long BytesWritten);

/// <summary>Receives each intact record during recovery, in log order.</summary>
public delegate void LogRecordHandler(long position, byte type, ReadOnlySpan<byte> payload);

/// <summary>
/// Told that every record before <paramref name="durablePosition"/> is durable. Called on a thread-pool thread, never
/// under the log's locks, once per batch of groups that became durable together and BEFORE their appenders' tasks
/// complete, so state the layer above publishes here is in place when an appender resumes. Calls may overlap and may
/// arrive out of order (a smaller position after a larger one): the handler acts on everything below the position it
/// is given and keeps its own record of what it already handled.
/// </summary>
public delegate void LogDurableHandler(long durablePosition);

/// <summary>Where an appended record lives, and when it is durable.</summary>
/// <param name="Position">The record's position in the log (segment base + offset in the segment file).</param>
/// <param name="Durable">Completes after the fsync that covers the record; faults with
/// <see cref="StorageFaultedException"/> when the write or fsync failed.</param>
public readonly record struct AppendResult(long Position, Task Durable);

/// <summary>A segment file of a <see cref="SegmentLog"/>: the positions <c>[Base, Base + Length)</c>.</summary>
/// <param name="Base">Position of the segment's first byte (its header), the number in its file name.</param>
/// <param name="Length">Bytes of the segment up to the end of its last record.</param>
public readonly record struct SegmentInfo(long Base, long Length)
{
    /// <summary>Position just past the segment's last record.</summary>
    public long End => Base + Length;
}
