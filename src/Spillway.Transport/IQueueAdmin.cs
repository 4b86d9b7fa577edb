using Spillway.Messaging;

namespace Spillway.Transport;

/// <summary>
/// What an operator does with the queues of a transport (the admin API and the CLI stand on it). A transport that
/// cannot do one of them throws <see cref="NotSupportedException"/> saying why: a broker has no look without a
/// receive, and its queues are defined by the configuration, not at run time.
/// </summary>
public interface IQueueAdmin
{
    /// <summary>Every queue with its counts.</summary>
    /// <exception cref="TransportUnavailableException">The broker is unreachable.</exception>
    ValueTask<IReadOnlyList<TransportQueueInfo>> ListQueuesAsync(CancellationToken cancellationToken);

    /// <summary>One queue's counts, as <see cref="ListQueuesAsync"/> gives them.</summary>
    /// <exception cref="UnknownQueueException">The queue does not exist.</exception>
    /// <exception cref="TransportUnavailableException">The broker is unreachable.</exception>
    ValueTask<TransportQueueInfo> DescribeQueueAsync(string queueName, CancellationToken cancellationToken);

    /// <summary>A queue's definition; null when it does not exist.</summary>
    QueueDefinition? FindDefinition(string queueName);

    /// <summary>Looks at up to <paramref name="maxMessages"/> messages, oldest first, without receiving them.</summary>
    /// <exception cref="UnknownQueueException">The queue does not exist.</exception>
    IReadOnlyList<PeekedMessage> Peek(string queueName, int maxMessages);

    /// <summary>Creates a queue, durably. An existing queue of that name is returned as it is (the caller compares).</summary>
    /// <exception cref="ArgumentException">The definition breaks a rule of <see cref="QueueDefinition"/>.</exception>
    ValueTask<(QueueDefinition Definition, bool Created)> CreateQueueAsync(QueueDefinition definition, CancellationToken cancellationToken);

    /// <summary>Changes a queue's definition with <paramref name="change"/>, durably; returns the new definition.</summary>
    /// <exception cref="UnknownQueueException">The queue does not exist.</exception>
    /// <exception cref="ArgumentException">The changed definition breaks a rule.</exception>
    ValueTask<QueueDefinition> UpdateQueueAsync(
        string queueName, Func<QueueDefinition, QueueDefinition> change, CancellationToken cancellationToken);

    /// <summary>Deletes every message of a queue, durably; returns about how many there were.</summary>
    /// <exception cref="UnknownQueueException">The queue does not exist.</exception>
    ValueTask<long> PurgeAsync(string queueName, CancellationToken cancellationToken);

    /// <summary>Moves up to <paramref name="maxMessages"/> messages from a dead-letter queue to
    /// <paramref name="destinationQueue"/>, or back to their source queue when null; each is durable in its destination
    /// before it leaves the dead-letter queue. Returns how many moved.</summary>
    /// <exception cref="UnknownQueueException">A queue does not exist.</exception>
    /// <exception cref="ArgumentException">The destination cannot take the messages (another kind of queue, say).</exception>
    ValueTask<int> RedriveAsync(string deadLetterQueue, string? destinationQueue, int maxMessages, CancellationToken cancellationToken);
}

/// <summary>A queue's counts as the transport knows them; a broker may not know every figure (null).</summary>
/// <param name="Name">The queue.</param>
/// <param name="Visible">Messages ready to be received.</param>
/// <param name="InFlight">Messages received and not yet deleted; null when unknown.</param>
/// <param name="Delayed">Messages not yet visible because of a delay; null when unknown.</param>
/// <param name="OldestMessageAge">Age of the oldest message; null when the queue is empty or the age is unknown.</param>
/// <param name="DeadLetterQueue">Where messages go after too many receives; null for none.</param>
public sealed record TransportQueueInfo(
    string Name, long Visible, long? InFlight, long? Delayed, TimeSpan? OldestMessageAge, string? DeadLetterQueue)
{
    /// <summary>Every message the queue holds: visible, in flight and delayed, as far as they are known.</summary>
    public long Depth => Visible + (InFlight ?? 0) + (Delayed ?? 0);
}

/// <summary>A queue named in an operation does not exist.</summary>
public sealed class UnknownQueueException(string queueName)
    : ArgumentException($"There is no queue named '{queueName}'.", nameof(queueName))
{
    public string QueueName { get; } = queueName;
}
