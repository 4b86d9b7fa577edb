using System.Collections.Concurrent;
using Spillway.Messaging;
using Spillway.Messaging.Streams;
using Spillway.Transport.Internal;

namespace Spillway.Transport;

/// <summary>The embedded engine's streams (<see cref="QueueEngine.Streams"/>). Adds nothing to their behaviour.</summary>
public sealed class EmbeddedStreamTransport : IStreamTransport
{
    private readonly ConcurrentDictionary<string, EmbeddedStreamProducer> producers = new(StringComparer.Ordinal);
    private readonly StatusCache status;

    public EmbeddedStreamTransport(QueueEngine engine)
    {
        Engine = engine ?? throw new ArgumentNullException(nameof(engine));
        status = new StatusCache(engine);
    }

    internal EmbeddedStreamTransport(QueueEngine engine, StatusCache status)
    {
        Engine = engine;
        this.status = status;
    }

    public QueueEngine Engine { get; }

    public async ValueTask EnsureStreamAsync(StreamDefinition definition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (!Engine.Streams.TryGet(definition.Name, out _))
        {
            await Engine.Streams.CreateAsync(definition, cancellationToken).ConfigureAwait(false);
        }
    }

    public IStreamProducer? FindProducer(string streamName)
    {
        if (producers.TryGetValue(streamName, out var producer))
        {
            return producer;
        }

        return Engine.Streams.TryGet(streamName, out var stream)
            ? producers.GetOrAdd(streamName, _ => new EmbeddedStreamProducer(stream, status))
            : null;
    }

    /// <summary>Opens a reader over the engine's stream; its checkpoints are the engine's (<paramref name="checkpoints"/>
    /// must be null: <see cref="IStreamTransport.CheckpointsInSink"/> is false here).</summary>
    public IStreamSource OpenSource(string streamName, IStreamCheckpointStore? checkpoints = null)
    {
        if (checkpoints is not null)
        {
            throw new ArgumentException("The embedded engine keeps stream checkpoints itself.", nameof(checkpoints));
        }

        return Engine.Streams.TryGet(streamName, out var stream)
            ? new EmbeddedStreamSource(stream)
            : throw new StreamNotFoundException($"Stream '{streamName}' does not exist.");
    }
}
