namespace Spillway.Aggregations;

/// <summary>
/// Where an <see cref="AggregationRunner"/> stores its results and its checkpoint. Exactly-once rests on the two being
/// stored together: a <see cref="WriteAsync"/> either stores the rows, the late records and the checkpoint, durably, or
/// nothing (a SQL sink: one transaction). After a crash the runner reads the checkpoint back and replays from the
/// positions in it, so rows written before come again only as the same values for the same key and window.
/// </summary>
public interface IAggregationOutput
{
    /// <summary>The checkpoint of the last successful <see cref="WriteAsync"/>; null when there was none.</summary>
    ValueTask<byte[]?> ReadCheckpointAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stores, atomically and durably, the rows (an upsert on the key columns and window_start, so a later row for the same
    /// key and window replaces the earlier), the late and invalid records (keyed by <see cref="LateRecord.RecordId"/> so a
    /// replay does not double them) and the checkpoint that replaces the previous one. Either list may be empty: a
    /// checkpoint alone still records progress. Throws when nothing was stored; the runner then starts over from the last
    /// checkpoint stored.
    /// </summary>
    ValueTask WriteAsync(IReadOnlyList<AggregateResult> rows, IReadOnlyList<LateRecord> late, byte[] checkpoint, CancellationToken cancellationToken);
}
