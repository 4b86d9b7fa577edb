using System.Collections.Concurrent;
using Spillway.Messaging;
using Spillway.Transport.Internal;

namespace Spillway.Transport;

/// <summary>The default transport: the process's own <see cref="QueueEngine"/>. Adds nothing to its behaviour.</summary>
public sealed class EmbeddedTransport : IMessageTransport, IQueueAdmin
{
    private readonly ConcurrentDictionary<string, EmbeddedSender> senders = new(StringComparer.Ordinal);
    private readonly StatusCache status;

    public EmbeddedTransport(QueueEngine engine)
    {
        Engine = engine ?? throw new ArgumentNullException(nameof(engine));
        status = new StatusCache(engine);
        Streams = new EmbeddedStreamTransport(engine, status);
        Topics = new EmbeddedTopicTransport(engine, status);
    }

    /// <summary>The engine; what only the engine can do (the SQS API, queue metrics) takes it from here.</summary>
    public QueueEngine Engine { get; }

    public string Kind => "embedded";

    public TransportStatus Status => status.Read();

    public bool ReportsMessageAge => true;

    public IQueueAdmin Admin => this;

    /// <summary>The engine's streams, beside its queues.</summary>
    public IStreamTransport Streams { get; }

    /// <summary>The engine's topics, delivering into its queues.</summary>
    public ITopicTransport Topics { get; }

    /// <summary>Creates the queues that do not exist yet, dead-letter queues first so that a redrive policy never names a
    /// queue that is missing. Existing queues keep their definitions.</summary>
    public async ValueTask CreateQueuesAsync(IEnumerable<QueueDefinition> definitions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        var all = definitions.ToList();
        var deadLetterQueues = all.Select(q => q.RedrivePolicy?.DeadLetterQueue).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var definition in all.OrderBy(q => deadLetterQueues.Contains(q.Name) ? 0 : 1))
        {
            await Engine.CreateQueueAsync(definition, cancellationToken).ConfigureAwait(false);
        }
    }

    public IQueueSender? FindSender(string queueName)
    {
        if (senders.TryGetValue(queueName, out var sender))
        {
            return sender;
        }

        return Engine.TryGetQueue(queueName, out var queue) ? senders.GetOrAdd(queueName, _ => new EmbeddedSender(queue, status)) : null;
    }

    public IQueueReceiver OpenReceiver(string queueName, int prefetch) => new EmbeddedReceiver(Require(queueName));

    public ValueTask<IReadOnlyList<TransportQueueInfo>> ListQueuesAsync(CancellationToken cancellationToken)
    {
        var now = Engine.Time.GetUtcNow();
        return ValueTask.FromResult<IReadOnlyList<TransportQueueInfo>>([.. Engine.ListQueues().Select(q => Describe(q, now))]);
    }

    public ValueTask<TransportQueueInfo> DescribeQueueAsync(string queueName, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Describe(Require(queueName), Engine.Time.GetUtcNow()));

    public QueueDefinition? FindDefinition(string queueName) => Engine.TryGetQueue(queueName, out var queue) ? queue.Definition : null;

    public IReadOnlyList<PeekedMessage> Peek(string queueName, int maxMessages) => Require(queueName).Peek(maxMessages);

    public async ValueTask<(QueueDefinition Definition, bool Created)> CreateQueueAsync(
        QueueDefinition definition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (Engine.TryGetQueue(definition.Name, out var existing))
        {
            return (existing.Definition, false);
        }

        var created = await Engine.CreateQueueAsync(definition, cancellationToken).ConfigureAwait(false);
        return (created.Definition, true);
    }

    public ValueTask<QueueDefinition> UpdateQueueAsync(
        string queueName, Func<QueueDefinition, QueueDefinition> change, CancellationToken cancellationToken)
    {
        Require(queueName);
        return Engine.SetQueueAttributesAsync(queueName, change, cancellationToken);
    }

    public async ValueTask<long> PurgeAsync(string queueName, CancellationToken cancellationToken)
    {
        var queue = Require(queueName);
        var counts = queue.GetCounts();
        await queue.PurgeAsync(cancellationToken).ConfigureAwait(false);
        return counts.Visible + counts.InFlight + counts.Delayed;
    }

    public ValueTask<int> RedriveAsync(
        string deadLetterQueue, string? destinationQueue, int maxMessages, CancellationToken cancellationToken)
    {
        Require(deadLetterQueue);
        if (destinationQueue is not null)
        {
            Require(destinationQueue);
        }

        return Engine.RedriveAsync(deadLetterQueue, destinationQueue, maxMessages, cancellationToken);
    }

    /// <summary>The engine belongs to whoever opened it; disposing the transport leaves it open.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static TransportQueueInfo Describe(MessageQueue queue, DateTimeOffset now)
    {
        var counts = queue.GetCounts();
        TimeSpan? age = counts.OldestSentTimestamp is { } sent ? TimeSpan.FromTicks(Math.Max(0, (now - sent).Ticks)) : null;
        return new TransportQueueInfo(
            queue.Name, counts.Visible, counts.InFlight, counts.Delayed, age, queue.Definition.RedrivePolicy?.DeadLetterQueue);
    }

    private MessageQueue Require(string queueName) =>
        Engine.TryGetQueue(queueName, out var queue) ? queue : throw new UnknownQueueException(queueName);
}
