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
public sealed record MessageBatch(string QueueName, IReadOnlyList<ReceivedMessage> Messages);

/// <summary>Which messages of a batch failed; an empty set is full success (as with Lambda's batchItemFailures).</summary>
public sealed record BatchOutcome(IReadOnlyCollection<Guid> FailedMessageIds)
{
    /// <summary>Every message succeeded.</summary>
    public static BatchOutcome Success { get; } = new(Array.Empty<Guid>());
}
