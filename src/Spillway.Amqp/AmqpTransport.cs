using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using Spillway.Amqp.Internal;
using Spillway.Amqp.Internal.Streams;
using Spillway.Messaging;
using Spillway.Transport;

namespace Spillway.Amqp;

/// <summary>
/// The RabbitMQ transport: every configured queue is a quorum queue, sends are confirmed by the broker before they
/// complete, receivers acknowledge manually. Publishing and consuming use separate connections, as RabbitMQ advises
/// (flow control that blocks a publishing connection must not hold back the acks that would relieve it); each is
/// opened on first use and reconnects by itself.
/// </summary>
public sealed class AmqpTransport : IMessageTransport, IQueueAdmin
{
    private readonly AmqpTransportOptions options;
    private readonly Dictionary<string, QueueDefinition> queues;
    private readonly Dictionary<string, AmqpSender> senders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BacklogProbe> probes = new(StringComparer.Ordinal);
    private readonly AmqpStreamTransport streams;
    private readonly ILoggerFactory loggerFactory;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly Lazy<ConnectionKeeper> publishing;
    private readonly Lazy<ConnectionKeeper> consuming;

    /// <summary>Validates the options; connects on first use.</summary>
    /// <exception cref="ArgumentException">An option is invalid or a queue needs the embedded engine.</exception>
    public AmqpTransport(AmqpTransportOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.options = options;
        this.loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        logger = this.loggerFactory.CreateLogger("Spillway.Amqp");
        this.time = time ?? TimeProvider.System;
        queues = options.Queues.ToDictionary(q => q.Name, StringComparer.Ordinal);
        publishing = new Lazy<ConnectionKeeper>(() => Keeper("publish", options.PublisherChannels));
        consuming = new Lazy<ConnectionKeeper>(() => Keeper("consume", 0));
        streams = new AmqpStreamTransport(options, publishing, consuming, this.loggerFactory, this.time);
        Topics = new BrokerTopicTransport(this, options.Topics, options.NotificationRenderer, this.time);
    }

    public string Kind => "amqp";

    /// <summary>RabbitMQ reports how many messages are ready, not how old they are.</summary>
    public bool ReportsMessageAge => false;

    public IQueueAdmin Admin => this;

    /// <summary>The configured streams (<see cref="AmqpTransportOptions.Streams"/>), each shard a RabbitMQ stream queue.</summary>
    public IStreamTransport Streams => streams;

    /// <summary>The configured topics (<see cref="AmqpTransportOptions.Topics"/>), fanned out to this broker's queues.</summary>
    public ITopicTransport Topics { get; }

    /// <summary>The broker as redacted for logs.</summary>
    public string Endpoint => options.RedactedUri;

    /// <summary>Whether every connection in use is up (a gateway publishes, a worker consumes, a node of both does both).</summary>
    public TransportStatus Status
    {
        get
        {
            if (publishing.IsValueCreated && publishing.Value.Status is { Available: false } publish)
            {
                return publish;
            }

            if (consuming.IsValueCreated)
            {
                return consuming.Value.Status;
            }

            return publishing.IsValueCreated ? TransportStatus.Up : new TransportStatus(false, "RabbitMQ is not connected yet");
        }
    }

    /// <summary>Opens the publishing connection (<paramref name="publish"/>) or the consuming one now and waits up to
    /// <paramref name="timeout"/> for it; false when the broker did not answer in time (the transport keeps trying).</summary>
    public async Task<bool> ConnectAsync(bool publish, TimeSpan timeout, CancellationToken cancellationToken) =>
        await (publish ? publishing : consuming).Value.WaitAsync(timeout, cancellationToken).ConfigureAwait(false) is not null;

    public IQueueSender? FindSender(string queueName)
    {
        if (!queues.TryGetValue(queueName, out var queue))
        {
            return null;
        }

        lock (senders)
        {
            if (!senders.TryGetValue(queueName, out var sender))
            {
                sender = new AmqpSender(publishing.Value, queue, Probe(queueName), options.ConfirmTimeout, time);
                senders[queueName] = sender;
            }

            return sender;
        }
    }

    public IQueueReceiver OpenReceiver(string queueName, int prefetch)
    {
        if (!queues.TryGetValue(queueName, out var queue))
        {
            throw new UnknownQueueException(queueName);
        }

        return new AmqpReceiver(consuming.Value, queue, prefetch, loggerFactory.CreateLogger("Spillway.Amqp.Consumer"), time);
    }

    public async ValueTask<IReadOnlyList<TransportQueueInfo>> ListQueuesAsync(CancellationToken cancellationToken)
    {
        var list = new List<TransportQueueInfo>();
        foreach (var queue in queues.Keys.Order(StringComparer.Ordinal))
        {
            list.Add(await DescribeQueueAsync(queue, cancellationToken).ConfigureAwait(false));
        }

        return list;
    }

    public async ValueTask<TransportQueueInfo> DescribeQueueAsync(string queueName, CancellationToken cancellationToken)
    {
        if (!queues.TryGetValue(queueName, out var queue))
        {
            throw new UnknownQueueException(queueName);
        }

        var count = await Probe(queueName).CountAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new TransportUnavailableException(Status.Reason ?? "RabbitMQ is unreachable");
        return new TransportQueueInfo(queueName, count, null, null, null, queue.RedrivePolicy?.DeadLetterQueue);
    }

    public QueueDefinition? FindDefinition(string queueName) => queues.GetValueOrDefault(queueName);

    public IReadOnlyList<PeekedMessage> Peek(string queueName, int maxMessages) => throw new NotSupportedException(
        $"RabbitMQ cannot show the messages of '{queueName}' without receiving them; use its management UI.");

    public ValueTask<(QueueDefinition Definition, bool Created)> CreateQueueAsync(
        QueueDefinition definition, CancellationToken cancellationToken) => throw Configured();

    public ValueTask<QueueDefinition> UpdateQueueAsync(
        string queueName, Func<QueueDefinition, QueueDefinition> change, CancellationToken cancellationToken) => throw Configured();

    public async ValueTask<long> PurgeAsync(string queueName, CancellationToken cancellationToken)
    {
        if (!queues.ContainsKey(queueName))
        {
            throw new UnknownQueueException(queueName);
        }

        var session = await publishing.Value.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false)
            ?? throw new TransportUnavailableException(Status.Reason ?? "RabbitMQ is unreachable");
        await using var channel = await session.Connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return await channel.QueuePurgeAsync(queueName, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<int> RedriveAsync(
        string deadLetterQueue, string? destinationQueue, int maxMessages, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        if (!queues.ContainsKey(deadLetterQueue))
        {
            throw new UnknownQueueException(deadLetterQueue);
        }

        var sources = queues.Values.Where(q => q.RedrivePolicy?.DeadLetterQueue == deadLetterQueue).Select(q => q.Name).ToList();
        var destination = destinationQueue ?? (sources.Count == 1
            ? sources[0]
            : throw new ArgumentException(
                $"Queue '{deadLetterQueue}' is the dead-letter queue of {sources.Count} queues; name the destination.",
                nameof(destinationQueue)));
        if (!queues.ContainsKey(destination))
        {
            throw new UnknownQueueException(destination);
        }

        var session = await publishing.Value.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false)
            ?? throw new TransportUnavailableException(Status.Reason ?? "RabbitMQ is unreachable");
        var moved = await Redrive.MoveAsync(session.Connection, deadLetterQueue, destination, maxMessages, cancellationToken)
            .ConfigureAwait(false);
        LogMessages.Redriven(logger, moved, deadLetterQueue, destination);
        return moved;
    }

    public async ValueTask DisposeAsync()
    {
        await streams.DisposeAsync().ConfigureAwait(false);
        if (consuming.IsValueCreated)
        {
            await consuming.Value.DisposeAsync().ConfigureAwait(false);
        }

        if (publishing.IsValueCreated)
        {
            await publishing.Value.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static NotSupportedException Configured() => new(
        "RabbitMQ's queues are the ones the configuration declares (Spillway:Queues); change them there and restart the nodes.");

    private BacklogProbe Probe(string queue)
    {
        lock (probes)
        {
            if (!probes.TryGetValue(queue, out var probe))
            {
                probe = new BacklogProbe(publishing.Value, queue);
                probes[queue] = probe;
            }

            return probe;
        }
    }

    private ConnectionKeeper Keeper(string purpose, int publisherChannels) =>
        new(options, purpose, publisherChannels, DeclareTopologyAsync, logger);

    private async Task DeclareTopologyAsync(IChannel channel, CancellationToken cancellationToken)
    {
        await Topology.DeclareAsync(channel, options.Queues, cancellationToken).ConfigureAwait(false);
        await StreamTopology.DeclareAsync(channel, streams.Layouts, cancellationToken).ConfigureAwait(false);
    }
}
