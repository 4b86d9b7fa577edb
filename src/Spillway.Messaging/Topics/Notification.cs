namespace Spillway.Messaging.Topics;

/// <summary>A message to publish to a topic.</summary>
/// <param name="Message">The body, as SNS carries it: text.</param>
public sealed record TopicMessage(string Message)
{
    /// <summary>An optional subject (e-mail subject line, envelope field).</summary>
    public string? Subject { get; init; }

    /// <summary>Message attributes (at most 10); null for none.</summary>
    public IReadOnlyDictionary<string, MessageAttributeValue>? Attributes { get; init; }

    /// <summary>FIFO topics only, and required there.</summary>
    public string? MessageGroupId { get; init; }

    /// <summary>FIFO topics only: required unless the topic deduplicates by content.</summary>
    public string? MessageDeduplicationId { get; init; }

    /// <summary>
    /// <c>json</c> when <see cref="Message"/> is a JSON object of one message per protocol (its <c>default</c> for the
    /// rest), as SNS's MessageStructure; null for one message to all. The engine only carries it, for the renderer.
    /// </summary>
    public string? MessageStructure { get; init; }
}

/// <summary>A published message as subscribers receive it: what was published, with its id and time.</summary>
public sealed record Notification(
    Guid MessageId,
    DateTimeOffset Timestamp,
    TopicMessage Published,
    string? SequenceNumber,
    string? DeduplicationId);

/// <summary>The answer to a publish: the message's id, and its sequence number on a FIFO topic.</summary>
/// <param name="Duplicate">True when a FIFO topic had seen the deduplication id within the window: nothing new was delivered.</param>
public sealed record PublishResult(Guid MessageId, string? SequenceNumber, bool Duplicate = false);

/// <summary>
/// Turns a notification into the queue message one subscription receives (the SNS envelope, signed, or the raw body).
/// Called again with the same arguments when a delivery is repeated after a crash, so it must give the same message.
/// </summary>
public delegate OutgoingMessage NotificationRenderer(TopicDefinition topic, Subscription subscription, Notification notification);

/// <summary>The renderers every publisher shares.</summary>
public static class NotificationRenderers
{
    /// <summary>The body as published, with its message attributes: what a raw subscription gets, and the engine's
    /// default when the host gives no envelope.</summary>
    public static NotificationRenderer Raw { get; } = (_, _, notification) =>
        new OutgoingMessage(System.Text.Encoding.UTF8.GetBytes(notification.Published.Message)) { Attributes = notification.Published.Attributes };
}
