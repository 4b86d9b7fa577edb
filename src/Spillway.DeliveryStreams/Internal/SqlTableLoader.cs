using Spillway.DeliveryStreams.Destinations;
using Spillway.Sinks;

namespace Spillway.DeliveryStreams.Internal;

/// <summary>
/// Loads a delivery stream's buffers into its SQL table through the sink of its database: the sink's bulk loader writes
/// the rows, skipping any whose id is already there, and the buffer's checkpoint in the same transaction. A buffer whose
/// checkpoint is stored was loaded whole (and its rejected records backed up) and is not loaded again.
/// </summary>
internal sealed class SqlTableLoader(ISqlSink sink, int version) : IAsyncDisposable
{
    private bool schemaReady;

    /// <summary>The destination version the sink was made for.</summary>
    public int Version { get; } = version;

    /// <summary>The records the table could not take; none when the buffer was loaded before.</summary>
    /// <exception cref="SinkUnavailableException">The database cannot be reached; nothing is known to be loaded.</exception>
    public async Task<IReadOnlyList<RejectedRecord>> LoadAsync(
        IReadOnlyList<SinkRecord> records, StreamCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        if (!schemaReady)
        {
            await sink.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
            schemaReady = true;
        }

        var stored = await sink.ReadCheckpointAsync(checkpoint.Consumer, checkpoint.Stream, checkpoint.Shard, cancellationToken).ConfigureAwait(false);
        if (stored is not null && string.CompareOrdinal(stored, checkpoint.SequenceNumber) >= 0)
        {
            return [];
        }

        var result = await sink.WriteAsync(records, checkpoint, cancellationToken).ConfigureAwait(false);
        return result.Rejected;
    }

    /// <summary>Records the buffer as done once its rejected records are backed up.</summary>
    public ValueTask CompleteAsync(StreamCheckpoint checkpoint, CancellationToken cancellationToken) =>
        sink.SaveCheckpointAsync(checkpoint, cancellationToken);

    public ValueTask DisposeAsync() => sink.DisposeAsync();
}
