using System.Collections.Concurrent;
using Spillway.Messaging;
using Spillway.Messaging.Topics;
using Spillway.Transport.Internal;

namespace Spillway.Transport;

/// <summary>The embedded engine's topics (<see cref="QueueEngine.Topics"/>). Adds nothing to their behaviour.</summary>
public sealed class EmbeddedTopicTransport : ITopicTransport
{
    private readonly ConcurrentDictionary<string, Publisher> publishers = new(StringComparer.Ordinal);
    private readonly QueueEngine engine;
    private readonly StatusCache status;

    internal EmbeddedTopicTransport(QueueEngine engine, StatusCache status)
    {
        this.engine = engine;
        this.status = status;
    }

    public ITopicPublisher? FindPublisher(string topicName) =>
        engine.Topics.TryGet(topicName, out var topic)
            ? publishers.AddOrUpdate(topicName, _ => new Publisher(topic, status), (_, known) => known.Topic == topic ? known : new Publisher(topic, status))
            : null;

    private sealed class Publisher(Topic topic, StatusCache status) : ITopicPublisher
    {
        public Topic Topic => topic;

        public string TopicName => topic.Name;

        public TransportStatus Status => status.Read();

        public ValueTask<PublishResult> PublishAsync(TopicMessage message, CancellationToken cancellationToken) =>
            topic.PublishAsync(message, cancellationToken);
    }
}
