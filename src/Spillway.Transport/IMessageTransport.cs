using Spillway.Messaging;

namespace Spillway.Transport;

/// <summary>
/// Where the pipeline's queues live: the embedded engine (<see cref="EmbeddedTransport"/>, the default) or an external
/// broker. Everything that sends (ingest routes, the export service) takes an <see cref="IQueueSender"/>, everything
/// that consumes (workers, the export worker) an <see cref="IQueueReceiver"/>, and the operator's endpoints
/// <see cref="Admin"/>: no caller needs to know which kind of transport it has.
/// </summary>
public interface IMessageTransport : IAsyncDisposable
{
    /// <summary>A short name for logs and readiness: <c>embedded</c>, <c>amqp</c>.</summary>
    string Kind { get; }

    /// <summary>Whether the transport accepts sends now (may be a fraction of a second old).</summary>
    TransportStatus Status { get; }

    /// <summary>Whether <see cref="TransportQueueInfo.OldestMessageAge"/> is known, which autoscaling by queue age
    /// and the oldest-message alarm need. A broker reports only how many messages are ready.</summary>
    bool ReportsMessageAge { get; }

    /// <summary>The operator's operations on the queues.</summary>
    IQueueAdmin Admin { get; }

    /// <summary>The sender of a queue; null when the queue does not exist (yet). The same queue gives the same sender.</summary>
    IQueueSender? FindSender(string queueName);

    /// <summary>Opens a receiver on a queue that holds at most <paramref name="prefetch"/> messages unacknowledged.</summary>
    /// <exception cref="UnknownQueueException">The queue does not exist.</exception>
    IQueueReceiver OpenReceiver(string queueName, int prefetch);

    /// <summary>The transport's streams; null when it has none (a transport that carries only queues).</summary>
    IStreamTransport? Streams => null;

    /// <summary>The transport's topics; null when it has none.</summary>
    ITopicTransport? Topics => null;
}

/// <summary>Whether a transport accepts sends, and why not.</summary>
public sealed record TransportStatus(bool Available, string? Reason)
{
    /// <summary>Accepting sends.</summary>
    public static TransportStatus Up { get; } = new(true, null);
}

/// <summary>Sends into one queue.</summary>
public interface IQueueSender
{
    string QueueName { get; }

    /// <summary>The queue's largest message body, in bytes.</summary>
    int MaximumMessageSize { get; }

    /// <summary>A cheap figure of the messages waiting, for a check on every request: it may be higher than
    /// <see cref="Backlog"/> for a fraction of a second (it misses deletions), never lower.</summary>
    long ApproximateBacklog { get; }

    /// <summary>Messages waiting in the queue as the transport knows them now; a broker's figure may be a fraction of a
    /// second old.</summary>
    long Backlog { get; }

    /// <summary>Whether sends can succeed now (the engine's storage, or the broker's publishing connection).</summary>
    TransportStatus Status { get; }

    /// <summary>Sends the messages; completes once every one is durable (fsynced or confirmed by the broker).</summary>
    /// <exception cref="TransportUnavailableException">The broker is unreachable or refused a message; not acknowledged.</exception>
    /// <exception cref="IOException">Storage is full or failed; not acknowledged.</exception>
    ValueTask<SendResult> SendBatchAsync(
        IReadOnlyList<OutgoingMessage> messages, string? idempotencyKey, CancellationToken cancellationToken);
}

/// <summary>
/// Receives from one queue with visibility semantics: a received message stays hidden from other receivers until it
/// is deleted (acknowledged), released (retried at once, counting a receive) or its hold lapses.
/// </summary>
public interface IQueueReceiver : IAsyncDisposable
{
    string QueueName { get; }

    /// <summary>How long a received message stays hidden by default.</summary>
    TimeSpan VisibilityTimeout { get; }

    ValueTask<IReadOnlyList<ReceivedMessage>> ReceiveAsync(ReceiveOptions options, CancellationToken cancellationToken);

    /// <summary>Deletes (acknowledges) messages; returns how many handles named a message this receiver still held.</summary>
    ValueTask<int> DeleteBatchAsync(IReadOnlyList<string> receiptHandles, CancellationToken cancellationToken);

    /// <summary>Keeps a message hidden for <paramref name="visibilityTimeout"/> more; false when it is no longer held.</summary>
    bool ChangeVisibility(string receiptHandle, TimeSpan visibilityTimeout);

    /// <summary>Gives failed messages back for a retry. The embedded engine lets them reappear after their visibility
    /// timeout, as SQS does, so this does nothing there; a broker requeues them now, counting a delivery.</summary>
    ValueTask ReleaseAsync(IReadOnlyList<string> receiptHandles, CancellationToken cancellationToken);
}

/// <summary>The transport could not take or confirm the messages: nothing was acknowledged. An <see cref="IOException"/>,
/// so callers that map storage I/O failures to "retry later" treat it the same way.</summary>
public sealed class TransportUnavailableException(string message, Exception? inner = null) : IOException(message, inner);
