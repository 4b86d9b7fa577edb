using System.Collections.Concurrent;
using Spillway.Sinks;
using Spillway.Transport;

namespace Spillway.Processing.Internal;

/// <summary>
/// A stream's consumer checkpoints in a SQL sink's database. Checkpoints the sink committed with a batch's rows are
/// noted here (<see cref="Saved"/>), so the consumer's save of the same one right after costs no second write; reads
/// always ask the database, where another node may have moved the checkpoint since.
/// </summary>
internal sealed class SinkCheckpointStore(ISqlSink sink, string streamName) : IStreamCheckpointStore
{
    private readonly ConcurrentDictionary<(string Consumer, string Shard), string> stored = new();

    public async ValueTask<string?> GetAsync(string consumer, string shardId, CancellationToken cancellationToken)
    {
        var found = await sink.ReadCheckpointAsync(consumer, streamName, shardId, cancellationToken).ConfigureAwait(false);
        if (found is not null)
        {
            Remember(consumer, shardId, found);
        }

        return found;
    }

    public async ValueTask SaveAsync(string consumer, string shardId, string sequenceNumber, CancellationToken cancellationToken)
    {
        if (stored.TryGetValue((consumer, shardId), out var known) && string.CompareOrdinal(known, sequenceNumber) >= 0)
        {
            return;
        }

        await sink.SaveCheckpointAsync(new StreamCheckpoint(consumer, streamName, shardId, sequenceNumber), cancellationToken)
            .ConfigureAwait(false);
        Remember(consumer, shardId, sequenceNumber);
    }

    /// <summary>Notes a checkpoint the sink committed with a batch's rows.</summary>
    public void Saved(StreamCheckpoint checkpoint) => Remember(checkpoint.Consumer, checkpoint.Shard, checkpoint.SequenceNumber);

    // Sequence numbers have one length and grow as strings.
    private void Remember(string consumer, string shardId, string sequenceNumber) =>
        stored.AddOrUpdate(
            (consumer, shardId), sequenceNumber, (_, old) => string.CompareOrdinal(old, sequenceNumber) >= 0 ? old : sequenceNumber);
}
