using Spillway.Messaging.Streams;
using Spillway.Transport;

namespace Spillway.Aggregations.Internal;

/// <summary>
/// The shards of one stream as one aggregation reads them: each from its checkpoint position (or the runner's start), a
/// child only once its parents are read to their end, each a partition of the engine's watermark.
/// </summary>
internal sealed class ShardReader(
    IStreamSource source, AggregationEngine engine, Dictionary<string, string> positions, AggregationRunnerOptions options)
{
    private readonly Dictionary<string, (ShardPosition Position, int Partition)> active = new(StringComparer.Ordinal);
    private readonly HashSet<string> finished = new(StringComparer.Ordinal);
    private bool listNeeded = true;

    /// <summary>Reads one batch from every active shard into the engine; the number of records read.</summary>
    public async Task<int> ReadRoundAsync(CancellationToken stop)
    {
        if (listNeeded)
        {
            await ListAsync(stop).ConfigureAwait(false);
        }

        var read = 0;
        foreach (var shardId in active.Keys.ToList())
        {
            var (position, partition) = active[shardId];
            var result = await source.ReadAsync(position, options.ReadBatchSize, TimeSpan.Zero, stop).ConfigureAwait(false);
            foreach (var record in result.Records)
            {
                engine.Add(record.Data.Span, partition, record.SequenceNumber);
            }

            if (result.Records.Count > 0)
            {
                positions[shardId] = result.Records[^1].SequenceNumber;
                read += result.Records.Count;
            }

            if (result.Next is { } next)
            {
                active[shardId] = (next, partition);
            }
            else
            {
                active.Remove(shardId);
                finished.Add(shardId);
                engine.ClosePartition(partition);
                listNeeded = true;
            }
        }

        // With nothing to read, look for shards a reshard made before the runner waits.
        listNeeded |= read == 0;
        return read;
    }

    private async Task ListAsync(CancellationToken stop)
    {
        listNeeded = false;
        var shards = await source.ListShardsAsync(stop).ConfigureAwait(false);
        var known = shards.Select(s => s.ShardId).ToHashSet(StringComparer.Ordinal);
        foreach (var shard in shards)
        {
            if (active.ContainsKey(shard.ShardId) || finished.Contains(shard.ShardId)
                || Pending(shard.ParentShardId) || Pending(shard.AdjacentParentShardId))
            {
                continue;
            }

            var isChild = shard.ParentShardId is not null || shard.AdjacentParentShardId is not null;
            var position = positions.TryGetValue(shard.ShardId, out var last)
                ? await source.SeekAsync(shard.ShardId, IteratorStart.AfterSequenceNumber, last, null, stop).ConfigureAwait(false)
                : await source.SeekAsync(shard.ShardId, isChild ? IteratorStart.TrimHorizon : options.StartAt, null, null, stop)
                    .ConfigureAwait(false);
            active[shard.ShardId] = (position, engine.OpenPartition(shard.ShardId));
        }

        // A parent no longer listed has expired: nothing of it is left to read first.
        bool Pending(string? parent) => parent is not null && known.Contains(parent) && !finished.Contains(parent);
    }
}
