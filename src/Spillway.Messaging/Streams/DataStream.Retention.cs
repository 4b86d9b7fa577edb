using Spillway.Messaging.Streams.Internal;

namespace Spillway.Messaging.Streams;

/// <summary>
/// Retention: a record older than the stream's retention period is gone for readers at once (each shard forgets its
/// expired records when read, and all of them on a timer), and the disk is reclaimed by whole segments once every record
/// in a segment has expired. Arrival times only grow along the log, so expired records are always a prefix.
/// </summary>
public sealed partial class DataStream
{
    private static readonly TimeSpan RetentionCheckPeriod = TimeSpan.FromMinutes(1);

    /// <summary>Forgets every expired record and deletes the segments that hold only such records.</summary>
    internal void ReclaimExpired()
    {
        long keepFrom;
        lock (gate)
        {
            if (closed)
            {
                return;
            }

            var now = Now();
            keepFrom = long.MaxValue;
            foreach (var shard in shards)
            {
                TrimExpired(shard, now);
                if (shard.Index.Count > 0)
                {
                    keepFrom = Math.Min(keepFrom, shard.Index.Position(shard.Index.Start));
                }
            }
        }

        // With nothing kept every closed segment goes; the log never deletes the one being written.
        log.DeleteSegmentsBefore(keepFrom == long.MaxValue ? log.AppendedPosition : keepFrom);
    }

    /// <summary>Under the lock: forgets the shard's records that arrived before the retention period.</summary>
    private void TrimExpired(ShardState shard, long nowMs)
    {
        var index = shard.Index;
        if (index.Count > 0 && index.Arrival(index.Start) < nowMs - RetentionMs)
        {
            index.TrimTo(index.FirstArrivedAtOrAfter(nowMs - RetentionMs));
        }
    }
}
