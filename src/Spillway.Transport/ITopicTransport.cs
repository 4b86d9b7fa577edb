using Spillway.Messaging.Topics;

namespace Spillway.Transport;

/// <summary>
/// Where a transport keeps topics: the embedded engine's (<see cref="EmbeddedTopicTransport"/>). Publishers (ingest
/// routes, alarm notices) take an <see cref="ITopicPublisher"/> and do not know which transport they have; the value
/// types are the engine's (<see cref="TopicMessage"/>, <see cref="PublishResult"/>).
/// </summary>
public interface ITopicTransport
{
    /// <summary>The publisher of a topic; null when the topic does not exist (yet).</summary>
    ITopicPublisher? FindPublisher(string topicName);
}

/// <summary>Publishes to one topic.</summary>
public interface ITopicPublisher
{
    string TopicName { get; }

    /// <summary>Whether publishes can succeed now.</summary>
    TransportStatus Status { get; }

    /// <summary>Publishes a message; completes once it is durable for every subscription it matches.</summary>
    /// <exception cref="ArgumentException">The message breaks the topic's rules; nothing was stored.</exception>
    /// <exception cref="IOException">Storage failed; not acknowledged.</exception>
    ValueTask<PublishResult> PublishAsync(TopicMessage message, CancellationToken cancellationToken);
}
