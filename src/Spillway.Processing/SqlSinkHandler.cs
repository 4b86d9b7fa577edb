using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Spillway.Processing.Internal;
using Spillway.Sinks;
using Spillway.Transport;

namespace Spillway.Processing;

/// <summary>
/// The built-in handler: writes each message body as one row through an <see cref="ISqlSink"/>, with the message id
/// as the row id, so a redelivered message never makes a second row. Records the sink rejects are reported as failed,
/// so a poison record is retried and then dead-lettered instead of blocking the queue. A database that cannot be reached
/// (<see cref="SinkUnavailableException"/>) becomes a <see cref="DownstreamUnavailableException"/>: the mapping then holds
/// the batch until the database returns.
/// </summary>
public sealed class SqlSinkHandler : IMessageHandler
{
    /// <summary>
    /// Most messages a mapping should hand this handler at once while a backlog lasts
    /// (<see cref="EventSourceMappingOptions.CoalescedBatchSize"/>): a write's cost is mostly per transaction (its commit,
    /// its round trips), and the sink bounds each statement itself, so a backlog drains fastest in large writes.
    /// 10,000, the most one receive returns.
    /// </summary>
    public const int CoalescedBatchSize = EventSourceMappingOptions.MaxBatchSize;

    private readonly ILogger logger;
    private readonly ConcurrentDictionary<string, SinkCheckpointStore> checkpoints = new(StringComparer.Ordinal);

    /// <summary>Creates a handler over a sink; the sink stays owned by the caller.</summary>
    public SqlSinkHandler(ISqlSink sink, ILogger<SqlSinkHandler>? logger = null)
    {
        Sink = sink ?? throw new ArgumentNullException(nameof(sink));
        this.logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The sink written to.</summary>
    public ISqlSink Sink { get; }

    /// <summary>
    /// The checkpoints of the stream's consumers that write through this handler, kept in the sink's database
    /// (<see cref="StreamCheckpoint.Table"/>): from now on a batch of the stream carrying its
    /// <see cref="StreamBatch.Checkpoint"/> commits it in the transaction of its rows, so the two never part; the consumer
    /// reads and saves the rest through the store returned.
    /// </summary>
    public IStreamCheckpointStore CheckpointsOf(string streamName)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamName);
        return checkpoints.GetOrAdd(streamName, name => new SinkCheckpointStore(Sink, name));
    }

    /// <inheritdoc />
    public async ValueTask<BatchOutcome> HandleAsync(MessageBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Messages.Count == 0)
        {
            return BatchOutcome.Success;
        }

        var records = new SinkRecord[batch.Messages.Count];
        for (var i = 0; i < records.Length; i++)
        {
            var message = batch.Messages[i];
            records[i] = new SinkRecord(message.MessageId, message.Body, message.SentTimestamp);
        }

        // Only a consumer whose checkpoints this sink keeps has its checkpoint written with the rows.
        (SinkCheckpointStore Store, StreamCheckpoint Checkpoint)? kept =
            batch.Stream is { Checkpoint: { } carried } stream && checkpoints.TryGetValue(stream.StreamName, out var store)
                ? (store, carried)
                : null;
        SinkWriteResult result;
        try
        {
            result = await Sink.WriteAsync(records, kept?.Checkpoint, cancellationToken).ConfigureAwait(false);
        }
        catch (SinkUnavailableException e)
        {
            throw new DownstreamUnavailableException($"Sink '{Sink.Name}' is unavailable: {e.Message}", e);
        }

        if (result.CheckpointSaved && kept is { } saved)
        {
            saved.Store.Saved(saved.Checkpoint);
        }

        if (result.Rejected.Count == 0)
        {
            return BatchOutcome.Success;
        }

        var failed = new Guid[result.Rejected.Count];
        for (var i = 0; i < failed.Length; i++)
        {
            var rejected = result.Rejected[i];
            LogMessages.RecordRejected(logger, batch.QueueName, rejected.MessageId, rejected.Reason);
            failed[i] = rejected.MessageId;
        }

        return new BatchOutcome(failed);
    }
}
