using Spillway.Messaging.Streams.Internal;

namespace Spillway.Messaging.Streams;

/// <summary>
/// Resharding closes parent shards at the log's current end and opens children there, so every record of a parent
/// lies before every record of its children and a reader that finishes the parents first keeps per-key order. The new
/// shards are durable in the catalog before any record can reach them; puts wait on the stream's lock meanwhile.
/// </summary>
public sealed partial class DataStream
{
    /// <summary>Closes <paramref name="shardId"/> and opens two children splitting its hash-key range at
    /// <paramref name="newStartingHashKey"/> (the second child's first hash key).</summary>
    public async ValueTask SplitShardAsync(string shardId, UInt128 newStartingHashKey, CancellationToken cancellationToken = default)
    {
        await ReshardAsync(
            () =>
            {
                var parent = OpenShardById(shardId, nameof(shardId));
                if (newStartingHashKey <= parent.StartingHashKey || newStartingHashKey > parent.EndingHashKey)
                {
                    throw new ArgumentException(
                        $"The new starting hash key must lie in ({parent.StartingHashKey}, {parent.EndingHashKey}] of shard {parent.Id}.",
                        nameof(newStartingHashKey));
                }

                EnsureShardLimit(openShards.Length + 1);
                return (reshard, position) => reshard.Split(parent, newStartingHashKey, position);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes two shards with adjacent hash-key ranges and opens one child covering both.</summary>
    public async ValueTask MergeShardsAsync(string shardId, string adjacentShardId, CancellationToken cancellationToken = default)
    {
        await ReshardAsync(
            () =>
            {
                var first = OpenShardById(shardId, nameof(shardId));
                var second = OpenShardById(adjacentShardId, nameof(adjacentShardId));
                if (!Adjacent(first, second) && !Adjacent(second, first))
                {
                    throw new ArgumentException($"Shards {first.Id} and {second.Id} are not adjacent.", nameof(adjacentShardId));
                }

                return (reshard, position) => reshard.Merge(first, second, position);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reshards to <paramref name="targetShardCount"/> open shards of equal hash-key ranges (uniform scaling), from half
    /// to double the open count as Kinesis allows: splits at every new boundary inside an open shard, then merges the
    /// pieces of each new range pairwise, so every shard keeps at most two parents and the order they give.
    /// </summary>
    public async ValueTask UpdateShardCountAsync(int targetShardCount, CancellationToken cancellationToken = default)
    {
        await ReshardAsync(
            () =>
            {
                var open = openShards.Length;
                if (targetShardCount < 1 || targetShardCount > StreamLimits.MaxShards
                    || targetShardCount > open * 2 || targetShardCount < (open + 1) / 2)
                {
                    throw new ArgumentException(
                        $"The target shard count must be 1-{StreamLimits.MaxShards} and from half to double the {open} open shards, "
                        + $"not {targetShardCount}.",
                        nameof(targetShardCount));
                }

                var ranges = StreamCodec.EvenRanges(UInt128.Zero, UInt128.MaxValue, targetShardCount);
                return (reshard, position) =>
                {
                    foreach (var (start, _) in ranges.Skip(1))
                    {
                        var holder = reshard.Open.First(s => s.Contains(start));
                        if (holder.StartingHashKey != start)
                        {
                            reshard.Split(holder, start, position);
                        }
                    }

                    foreach (var (start, end) in ranges)
                    {
                        var pieces = reshard.Open.Where(s => s.StartingHashKey >= start && s.EndingHashKey <= end).ToList();
                        while (pieces.Count > 1)
                        {
                            var merged = new List<ShardState>();
                            for (var i = 0; i < pieces.Count; i += 2)
                            {
                                merged.Add(i + 1 < pieces.Count ? reshard.Merge(pieces[i], pieces[i + 1], position) : pieces[i]);
                            }

                            pieces = merged;
                        }
                    }
                };
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs one reshard: <paramref name="plan"/> validates under the lock and returns the steps, which close and open
    /// shards at the log's end; the result is written to the catalog before it takes effect, and undone if that fails.
    /// </summary>
    private async ValueTask ReshardAsync(Func<Action<Reshard, long>> plan, CancellationToken cancellationToken)
    {
        await adminGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (gate)
            {
                ThrowIfClosed();
                var steps = plan();
                var position = log.AppendedPosition;
                var reshard = new Reshard(this, Now());
                steps(reshard, position);
                if (reshard.Created.Count == 0)
                {
                    return;
                }

                try
                {
                    shards.AddRange(reshard.Created);
                    nextShard += reshard.Created.Count;
                    var open = openShards;
                    openShards = [.. reshard.Open];
                    try
                    {
                        StreamCatalog.Write(engine.Device, Directory, Snapshot());
                    }
                    catch
                    {
                        openShards = open;
                        throw;
                    }
                }
                catch
                {
                    reshard.Undo();
                    shards.RemoveAll(reshard.Created.Contains);
                    nextShard -= reshard.Created.Count;
                    throw;
                }

                foreach (var shard in reshard.Created)
                {
                    byNumber[shard.Number] = shard;
                }
            }
        }
        finally
        {
            adminGate.Release();
        }

        // Readers waiting at the end of a closed parent learn that it ended.
        WakeReaders();
    }

    private ShardState OpenShardById(string shardId, string parameterName)
    {
        var shard = ShardById(shardId, parameterName);
        if (!shard.IsOpen)
        {
            throw new ArgumentException($"Shard {shard.Id} is closed.", parameterName);
        }

        return shard;
    }

    // Compared before adding one, so the shard ending at 2^128-1 does not wrap round to the one starting at 0.
    private static bool Adjacent(ShardState low, ShardState high) =>
        low.EndingHashKey < high.StartingHashKey && low.EndingHashKey + 1 == high.StartingHashKey;

    private static void EnsureShardLimit(int openShardCount)
    {
        if (openShardCount > StreamLimits.MaxShards)
        {
            throw new StreamLimitExceededException($"A stream has at most {StreamLimits.MaxShards} open shards.");
        }
    }

    /// <summary>The shards one reshard closes and opens, kept so a failed catalog write can undo it.</summary>
    private sealed class Reshard(DataStream stream, long nowMs)
    {
        private readonly List<ShardState> closedHere = [];

        public List<ShardState> Open { get; } = [.. stream.openShards];

        public List<ShardState> Created { get; } = [];

        public void Split(ShardState parent, UInt128 at, long position)
        {
            Close(parent, position);
            Replace(parent, New(parent.Number, null, parent.StartingHashKey, at - 1, position), New(parent.Number, null, at, parent.EndingHashKey, position));
        }

        public ShardState Merge(ShardState first, ShardState second, long position)
        {
            var (low, high) = first.StartingHashKey < second.StartingHashKey ? (first, second) : (second, first);
            Close(first, position);
            Close(second, position);
            Open.Remove(high);
            var child = New(first.Number, second.Number, low.StartingHashKey, high.EndingHashKey, position);
            Replace(low, child);
            return child;
        }

        public void Undo()
        {
            foreach (var shard in closedHere)
            {
                shard.EndPosition = null;
                shard.ClosedAtMs = null;
            }
        }

        private void Close(ShardState shard, long position)
        {
            shard.EndPosition = position;
            shard.ClosedAtMs = nowMs;
            closedHere.Add(shard);
        }

        private void Replace(ShardState old, params ShardState[] children)
        {
            var at = Open.IndexOf(old);
            Open.RemoveAt(at);
            Open.InsertRange(at, children);
        }

        private ShardState New(int? parent, int? adjacentParent, UInt128 start, UInt128 end, long position)
        {
            var shard = new ShardState(stream.nextShard + Created.Count, parent, adjacentParent, start, end, position);
            Created.Add(shard);
            return shard;
        }
    }
}
