using Microsoft.Extensions.Logging;
using Spillway.Messaging.Streams;
using Spillway.Transport;

namespace Spillway.Amqp.Internal.Streams;

/// <summary>
/// A stream on RabbitMQ read shard by shard: one <see cref="ShardReader"/> per shard, kept while reads continue where
/// the last one ended and opened afresh at any other position; checkpoints in the store it was opened with (the SQL
/// sink's database, or the stream's <see cref="CheckpointLog"/>). Shards never close on a broker, so reads never end a
/// shard.
/// </summary>
/// <remarks>
/// Once a consumer asked for its checkpoint, this source reads a shard for it only while it holds the consumer's
/// <see cref="ShardLease"/> of that shard, so worker nodes share the shards instead of each reading all of them. A read
/// without the lease waits and returns nothing; the read that takes a lease over starts past the consumer's newest
/// checkpoint, wherever the node that held it had got to.
/// </remarks>
internal sealed class AmqpStreamSource(
    ConnectionKeeper consuming, ShardLayout layout, IStreamCheckpointStore checkpoints, int prefetch, ILogger logger, TimeProvider time)
    : IStreamSource
{
    // How often a node that does not hold a shard's lease asks for it again.
    private static readonly TimeSpan LeaseRetry = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, ShardReader> readers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ShardLease> leases = new(StringComparer.Ordinal);
    private volatile string? consumerName;

    public string StreamName => layout.StreamName;

    public ValueTask<IReadOnlyList<ShardDescription>> ListShardsAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(layout.Shards);

    public ValueTask<ShardPosition> SeekAsync(
        string shardId, IteratorStart start, string? sequenceNumber, DateTimeOffset? timestamp, CancellationToken cancellationToken)
    {
        var index = IndexOf(shardId);
        var position = start switch
        {
            IteratorStart.TrimHorizon => ShardPositions.First,
            IteratorStart.Latest => ShardPositions.Latest,
            IteratorStart.AtSequenceNumber => OffsetOf(sequenceNumber, index),
            IteratorStart.AfterSequenceNumber => OffsetOf(sequenceNumber, index) + 1,
            IteratorStart.AtTimestamp => ShardPositions.AtTime(
                timestamp ?? throw new ArgumentException("An AT_TIMESTAMP position needs a timestamp.", nameof(timestamp))),
            _ => throw new ArgumentException($"Iterator start {start} is not defined.", nameof(start)),
        };
        return ValueTask.FromResult(new ShardPosition(shardId, position));
    }

    public async ValueTask<ShardReadResult> ReadAsync(ShardPosition from, int maxRecords, TimeSpan wait, CancellationToken cancellationToken)
    {
        var index = IndexOf(from.ShardId);
        var start = from;
        if (consumerName is { } consumer)
        {
            var lease = Lease(consumer, from.ShardId);
            var held = lease.Held;
            if (!held && !await lease.TryHoldAsync(cancellationToken).ConfigureAwait(false))
            {
                await Task.Delay(wait < LeaseRetry ? wait : LeaseRetry, time, cancellationToken).ConfigureAwait(false);
                return new ShardReadResult([], from, 0, []);
            }

            if (!held && await checkpoints.GetAsync(consumer, from.ShardId, cancellationToken).ConfigureAwait(false) is { } checkpoint
                && OffsetOf(checkpoint, index) + 1 is var past && start.Position < past)
            {
                // Sentinel positions are negative, so a checkpoint always wins over them.
                start = start with { Position = past };
            }
        }

        var reader = await ReaderAtAsync(start).ConfigureAwait(false);
        var records = await reader.ReadAsync(maxRecords, wait, cancellationToken).ConfigureAwait(false);
        // RabbitMQ tells a consumer nothing of the stream's tail: behind by the age of the last record while a full read
        // suggests more is waiting, caught up otherwise.
        var behind = records.Count == maxRecords
            ? Math.Max(0, (long)(time.GetUtcNow() - records[^1].ApproximateArrivalTimestamp).TotalMilliseconds)
            : 0;
        return new ShardReadResult(records, start with { Position = reader.Position }, behind, []);
    }

    public ValueTask<string?> GetCheckpointAsync(string consumer, string shardId, CancellationToken cancellationToken)
    {
        IndexOf(shardId);
        consumerName = consumer;
        return checkpoints.GetAsync(consumer, shardId, cancellationToken);
    }

    public ValueTask SaveCheckpointAsync(string consumer, string shardId, string sequenceNumber, CancellationToken cancellationToken)
    {
        OffsetOf(sequenceNumber, IndexOf(shardId));
        return checkpoints.SaveAsync(consumer, shardId, sequenceNumber, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        List<ShardReader> open;
        lock (readers)
        {
            open = [.. readers.Values];
            readers.Clear();
        }

        foreach (var reader in open)
        {
            await reader.DisposeAsync().ConfigureAwait(false);
        }

        List<ShardLease> held;
        lock (leases)
        {
            held = [.. leases.Values];
            leases.Clear();
        }

        foreach (var lease in held)
        {
            await lease.DisposeAsync().ConfigureAwait(false);
        }
    }

    private ShardLease Lease(string consumer, string shardId)
    {
        lock (leases)
        {
            if (!leases.TryGetValue(shardId, out var lease))
            {
                lease = new ShardLease(consuming, $"{layout.StreamName}.lease.{shardId}.{consumer}");
                leases[shardId] = lease;
            }

            return lease;
        }
    }

    private async ValueTask<ShardReader> ReaderAtAsync(ShardPosition from)
    {
        var index = IndexOf(from.ShardId);
        ShardReader? stale = null;
        ShardReader reader;
        lock (readers)
        {
            if (!readers.TryGetValue(from.ShardId, out reader!) || reader.Position != from.Position)
            {
                stale = reader;
                reader = new ShardReader(consuming, layout, index, from.Position, prefetch, logger);
                readers[from.ShardId] = reader;
            }
        }

        if (stale is not null)
        {
            await stale.DisposeAsync().ConfigureAwait(false);
        }

        return reader;
    }

    private int IndexOf(string shardId) =>
        layout.IndexOf(shardId) is var index and >= 0
            ? index
            : throw new StreamNotFoundException($"Shard '{shardId}' does not exist in stream '{layout.StreamName}'.");

    private static long OffsetOf(string? sequenceNumber, int shard) =>
        StreamKeys.TryParseSequenceNumber(sequenceNumber, out var offset, out var owner) && owner == shard
            ? offset
            : throw new ArgumentException($"'{sequenceNumber}' is not a sequence number of this shard.", nameof(sequenceNumber));
}
