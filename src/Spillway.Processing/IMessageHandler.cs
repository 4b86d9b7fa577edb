using Spillway.Messaging;

namespace Spillway.Processing;

/// <summary>
/// Handles a batch of messages from a queue (the Lambda role). A message reported as failed, or every message of a
/// batch whose handler throws, is retried after its visibility timeout and dead-lettered after the queue's
/// maxReceiveCount; every other message is deleted.
/// </summary>
public interface IMessageHandler
{
    /// <summary>Handles the batch and reports which messages failed.</summary>
    ValueTask<BatchOutcome> HandleAsync(MessageBatch batch, CancellationToken cancellationToken);
}

/// <summary>A batch handed to a handler.</summary>
/// <param name="QueueName">The queue the messages came from.</param>
/// <param name="Messages">The messages, in receive order.</param>
public sealed record MessageBatch(string QueueName, IReadOnlyList<ReceivedMessage> Messages)
{
    /// <summary>Set when the batch comes from a stream (<see cref="StreamConsumer"/>): its shard and its records, one per
    /// message at the same index. Each message's id is <see cref="StreamBatch.RecordId"/> of its record, so a handler that
    /// keys on message ids (the SQL sink's row id) writes a record read again as the same row.</summary>
    public StreamBatch? Stream { get; init; }
}

/// <summary>Where a stream batch came from.</summary>
/// <param name="StreamName">The stream (also the batch's <see cref="MessageBatch.QueueName"/>).</param>
/// <param name="ShardId">The shard all the records are from.</param>
/// <param name="Records">The records, in shard order, one per message of the batch.</param>
/// <param name="StreamArn">The stream's ARN, as events name it.</param>
public sealed record StreamBatch(string StreamName, string ShardId, IReadOnlyList<Messaging.Streams.StreamRecord> Records, string StreamArn)
{
    /// <summary>
    /// The consumer's checkpoint in the shard once this batch is handled: the end of the shard's finished prefix with
    /// the batch's records in it; null when a record before them is still being handled elsewhere (another lane). A
    /// handler that keeps the consumer's checkpoints commits it with its writes (<see cref="SqlSinkHandler.CheckpointsOf"/>),
    /// so rows and checkpoint are one step; other handlers leave it to the consumer.
    /// </summary>
    public Sinks.StreamCheckpoint? Checkpoint { get; init; }

    /// <summary>
    /// The id a stream record carries as a message: a name-based UUID (version 8) of its identity (stream, shard, sequence
    /// number), the same each time the record is read, so a replay after a crash or a retry never makes a second row.
    /// </summary>
    public static Guid RecordId(string streamName, string shardId, string sequenceNumber)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(string.Concat(streamName, "\n", shardId, "\n", sequenceNumber)));
        var bytes = hash.AsSpan(0, 16);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}

/// <summary>Which messages of a batch failed; an empty set is full success (as with Lambda's batchItemFailures).</summary>
public sealed record BatchOutcome(IReadOnlyCollection<Guid> FailedMessageIds)
{
    /// <summary>Every message succeeded.</summary>
    public static BatchOutcome Success { get; } = new(Array.Empty<Guid>());
}
