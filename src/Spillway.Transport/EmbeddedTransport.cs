using Spillway.Messaging;

namespace Spillway.Transport;

/// <summary>The default transport: the process's own <see cref="QueueEngine"/>. Adds nothing to its behaviour.</summary>
public sealed class EmbeddedTransport(QueueEngine engine) : IMessageTransport
{
    public QueueEngine Engine { get; } = engine ?? throw new ArgumentNullException(nameof(engine));

    public string Kind => "embedded";

    public TransportStatus Status
    {
        get
        {
            var status = Engine.Status;
            return status.Writable ? TransportStatus.Up : new TransportStatus(false, status.Reason ?? "storage not writable");
        }
    }

    /// <summary>A receiver over one engine queue, as <see cref="OpenReceiver"/> gives.</summary>
    public static IQueueReceiver Receiver(MessageQueue queue) => new EmbeddedQueue(null, queue);

    public IQueueSender? FindSender(string queueName) =>
        Engine.TryGetQueue(queueName, out var queue) ? new EmbeddedQueue(this, queue) : null;

    public IQueueReceiver OpenReceiver(string queueName, int prefetch) =>
        Engine.TryGetQueue(queueName, out var queue)
            ? new EmbeddedQueue(this, queue)
            : throw new ArgumentException($"Queue '{queueName}' does not exist.", nameof(queueName));

    public ValueTask<IReadOnlyList<TransportQueueInfo>> ListQueuesAsync(CancellationToken cancellationToken)
    {
        var queues = Engine.ListQueues().Select(q =>
        {
            var counts = q.GetCounts();
            var deadLetterQueue = q.Definition.RedrivePolicy?.DeadLetterQueue;
            return new TransportQueueInfo(q.Name, counts.Visible, counts.InFlight, counts.Delayed, deadLetterQueue);
        });
        return ValueTask.FromResult<IReadOnlyList<TransportQueueInfo>>([.. queues]);
    }

    public ValueTask<int> RedriveAsync(
        string deadLetterQueue, string? destinationQueue, int maxMessages, CancellationToken cancellationToken) =>
        Engine.RedriveAsync(deadLetterQueue, destinationQueue, maxMessages, cancellationToken);

    /// <summary>The engine belongs to whoever opened it; disposing the transport leaves it open.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class EmbeddedQueue(EmbeddedTransport? transport, MessageQueue queue) : IQueueSender, IQueueReceiver
    {
        public TransportStatus Status => transport?.Status ?? TransportStatus.Up;

        public string QueueName => queue.Name;

        public int MaximumMessageSize => queue.Definition.MaximumMessageSize;

        public TimeSpan VisibilityTimeout => queue.Definition.VisibilityTimeout;

        public long Backlog
        {
            get
            {
                var counts = queue.GetCounts();
                return counts.Visible + counts.InFlight + counts.Delayed;
            }
        }

        public ValueTask<SendResult> SendBatchAsync(
            IReadOnlyList<OutgoingMessage> messages, string? idempotencyKey, CancellationToken cancellationToken) =>
            queue.SendBatchAsync(messages, idempotencyKey, cancellationToken);

        public ValueTask<IReadOnlyList<ReceivedMessage>> ReceiveAsync(ReceiveOptions options, CancellationToken cancellationToken) =>
            queue.ReceiveAsync(options, cancellationToken);

        public async ValueTask<int> DeleteBatchAsync(IReadOnlyList<string> receiptHandles, CancellationToken cancellationToken)
        {
            var results = await queue.DeleteBatchAsync(receiptHandles, cancellationToken).ConfigureAwait(false);
            return results.Count(static r => r);
        }

        public bool ChangeVisibility(string receiptHandle, TimeSpan visibilityTimeout) =>
            queue.ChangeVisibility(receiptHandle, visibilityTimeout);

        public ValueTask ReleaseAsync(IReadOnlyList<string> receiptHandles, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
