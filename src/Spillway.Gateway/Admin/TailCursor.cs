using Spillway.Messaging.Streams;

namespace Spillway.Gateway.Admin;

/// <summary>
/// Where a tail stands in every shard it reads: the shards it has not finished, each at its next position. It starts at
/// the open shards (latest) or at the oldest shards kept (the others), and takes up a child once every parent it has is
/// read to its end or trimmed away, as a Kinesis consumer does, so a partition key's records come in order across a
/// reshard. It only reads: no checkpoint, nothing moved.
/// </summary>
internal sealed class TailCursor
{
    private readonly DataStream stream;
    private readonly IteratorStart start;
    private readonly DateTimeOffset? at;
    private readonly Dictionary<string, ShardPosition> reading = new(StringComparer.Ordinal);
    private readonly HashSet<string> finished = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ShardDescription> waiting = new(StringComparer.Ordinal);

    public TailCursor(DataStream stream, IteratorStart start, DateTimeOffset? at)
    {
        this.stream = stream;
        this.start = start;
        this.at = at;
        var shards = stream.Shards;
        if (start == IteratorStart.Latest)
        {
            foreach (var shard in shards.Where(s => s.IsOpen))
            {
                reading[shard.ShardId] = stream.Latest(shard.ShardId);
            }

            return;
        }

        var kept = shards.Select(s => s.ShardId).ToHashSet(StringComparer.Ordinal);
        foreach (var shard in shards.Where(s => !Kept(s.ParentShardId, kept) && !Kept(s.AdjacentParentShardId, kept)))
        {
            Begin(shard);
        }
    }

    /// <summary>
    /// How long the last <see cref="Read"/> was told to wait by a shard's read quota (only when the stream enforces
    /// quotas; a tail counts against them as any reader does), or zero.
    /// </summary>
    public TimeSpan Throttled { get; private set; }

    /// <summary>Up to about <paramref name="limit"/> records from the shards being read, each shard's in order.</summary>
    public IReadOnlyList<(string ShardId, StreamRecord Record)> Read(int limit)
    {
        var records = new List<(string, StreamRecord)>();
        Throttled = TimeSpan.Zero;
        foreach (var (shardId, position) in reading.ToList())
        {
            ShardReadResult result;
            try
            {
                result = stream.Read(position, Math.Max(1, limit - records.Count));
            }
            catch (StreamThroughputExceededException e)
            {
                // The shard stays where it was and is read again after the wait.
                Throttled = Throttled > e.RetryAfter ? Throttled : e.RetryAfter;
                continue;
            }

            records.AddRange(result.Records.Select(r => (shardId, r)));
            if (result.Next is { } next)
            {
                reading[shardId] = next;
                continue;
            }

            reading.Remove(shardId);
            finished.Add(shardId);
            foreach (var child in result.ChildShards)
            {
                waiting.TryAdd(child.ShardId, child);
            }

            TakeUpChildren();
        }

        return records;
    }

    /// <summary>Waits until a shard being read has a record (or is closed), or <paramref name="timeout"/> passes.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (reading.Count == 0)
        {
            await Task.Delay(timeout, cancellationToken).ConfigureAwait(false);
            return;
        }

        using var first = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var waits = reading.Values.Select(p => stream.WaitForRecordsAsync(p, timeout, first.Token).AsTask()).ToArray();
        await Task.WhenAny(waits).ConfigureAwait(false);
        await first.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(waits).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (first.IsCancellationRequested)
        {
            // The other shards' waits, cut short once one had a record.
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    private void TakeUpChildren()
    {
        var kept = stream.Shards.Select(s => s.ShardId).ToHashSet(StringComparer.Ordinal);
        foreach (var child in waiting.Values.ToList())
        {
            if (Done(child.ParentShardId, kept) && Done(child.AdjacentParentShardId, kept))
            {
                waiting.Remove(child.ShardId);
                Begin(child);
            }
        }
    }

    private void Begin(ShardDescription shard)
    {
        // A child holds only records newer than its parents': from the start of it, unless a timestamp says later.
        reading[shard.ShardId] = start == IteratorStart.AtTimestamp
            ? stream.Seek(shard.ShardId, IteratorStart.AtTimestamp, timestamp: at)
            : stream.Seek(shard.ShardId, IteratorStart.TrimHorizon);
    }

    private bool Done(string? parent, HashSet<string> kept) => parent is null || finished.Contains(parent) || !kept.Contains(parent);

    private static bool Kept(string? shardId, HashSet<string> kept) => shardId is not null && kept.Contains(shardId);
}
