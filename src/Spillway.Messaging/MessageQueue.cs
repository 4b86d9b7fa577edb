namespace Spillway.Messaging;

/// <summary>One queue of a <see cref="QueueEngine"/>.</summary>
public sealed class MessageQueue
{
    private MessageQueue()
    {
    }

    /// <summary>The queue's name.</summary>
    public string Name => throw new NotImplementedException();

    /// <summary>The queue's definition.</summary>
    public QueueDefinition Definition => throw new NotImplementedException();

    /// <summary>
    /// Stores the messages atomically (all or none) and completes only after the fsync that covers them. With an
    /// <paramref name="idempotencyKey"/> seen before (kept 24 h, durable with the messages), nothing is stored and
    /// the original answer comes back with <see cref="SendResult.Replayed"/> set.
    /// Throws <see cref="Storage.StorageFullException"/> when the disk is nearly full and
    /// <see cref="Storage.StorageFaultedException"/> after an I/O failure stopped the writer.
    /// </summary>
    public ValueTask<SendResult> SendBatchAsync(
        IReadOnlyList<OutgoingMessage> messages, string? idempotencyKey = null, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>Receives up to <see cref="ReceiveOptions.MaxMessages"/> visible messages, long-polling when asked.</summary>
    public ValueTask<IReadOnlyList<ReceivedMessage>> ReceiveAsync(ReceiveOptions options, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>
    /// Deletes messages by receipt handle; the deletion is durable before this completes. Returns, per handle, whether
    /// it named a message that is now deleted (a stale handle of a message already deleted counts as deleted, as in SQS).
    /// </summary>
    public ValueTask<IReadOnlyList<bool>> DeleteBatchAsync(IReadOnlyList<string> receiptHandles, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>Sets a received message's remaining visibility timeout. False when the handle is not in flight.</summary>
    public bool ChangeVisibility(string receiptHandle, TimeSpan visibilityTimeout) => throw new NotImplementedException();

    /// <summary>Looks at up to <paramref name="maxMessages"/> messages, oldest first, without receiving them.</summary>
    public IReadOnlyList<PeekedMessage> Peek(int maxMessages) => throw new NotImplementedException();

    /// <summary>Deletes every message in the queue.</summary>
    public ValueTask PurgeAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Approximate counts.</summary>
    public QueueCounts GetCounts() => throw new NotImplementedException();
}
