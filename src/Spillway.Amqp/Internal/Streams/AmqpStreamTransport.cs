using Microsoft.Extensions.Logging;
using Spillway.Messaging.Streams;
using Spillway.Transport;

namespace Spillway.Amqp.Internal.Streams;

/// <summary>
/// The streams of the RabbitMQ transport: the ones its options declare, each shard a stream queue, sharing the
/// transport's publishing and consuming connections. As with queues, the configuration is the catalog: a stream is
/// created or changed there, not through the API.
/// </summary>
internal sealed class AmqpStreamTransport(
    AmqpTransportOptions options, Lazy<ConnectionKeeper> publishing, Lazy<ConnectionKeeper> consuming, ILoggerFactory loggerFactory,
    TimeProvider time) : IStreamTransport, IAsyncDisposable
{
    private readonly Dictionary<string, ShardLayout> streams = options.Streams.ToDictionary(s => s.Name, ShardLayout.Of, StringComparer.Ordinal);
    private readonly Dictionary<string, StreamPublisher> publishers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CheckpointLog> logs = new(StringComparer.Ordinal);
    private readonly ILogger logger = loggerFactory.CreateLogger("Spillway.Amqp.Streams");

    public IReadOnlyList<ShardLayout> Layouts => [.. streams.Values];

    /// <summary>Nothing to create: the configured streams are declared on every connection. A stream that is not
    /// configured, or is configured otherwise, is refused.</summary>
    public ValueTask EnsureStreamAsync(StreamDefinition definition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (!streams.TryGetValue(definition.Name, out var layout) || layout.Definition != definition)
        {
            throw new NotSupportedException(
                $"RabbitMQ's streams are the ones the configuration declares; '{definition.Name}' is not declared so. " +
                "Change it there and restart the nodes.");
        }

        return ValueTask.CompletedTask;
    }

    public IStreamProducer? FindProducer(string streamName)
    {
        if (!streams.TryGetValue(streamName, out var layout))
        {
            return null;
        }

        lock (publishers)
        {
            if (!publishers.TryGetValue(streamName, out var publisher))
            {
                publisher = new StreamPublisher(publishing.Value, layout, options.ConfirmTimeout, time);
                publishers[streamName] = publisher;
            }

            return publisher;
        }
    }

    public bool CheckpointsInSink => true;

    public IStreamSource OpenSource(string streamName, IStreamCheckpointStore? checkpoints = null)
    {
        if (!streams.TryGetValue(streamName, out var layout))
        {
            throw new StreamNotFoundException($"Stream '{streamName}' is not declared in this node's configuration.");
        }

        return new AmqpStreamSource(consuming.Value, layout, checkpoints ?? LogOf(layout), options.StreamPrefetch, logger, time);
    }

    private CheckpointLog LogOf(ShardLayout layout)
    {
        lock (logs)
        {
            if (!logs.TryGetValue(layout.StreamName, out var log))
            {
                log = new CheckpointLog(publishing.Value, consuming.Value, layout, options.ConfirmTimeout);
                logs[layout.StreamName] = log;
            }

            return log;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var log in logs.Values)
        {
            await log.DisposeAsync().ConfigureAwait(false);
        }
    }
}
