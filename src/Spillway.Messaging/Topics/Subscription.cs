using Spillway.Messaging.Topics.Filtering;

namespace Spillway.Messaging.Topics;

/// <summary>
/// A subscription of a topic. Messages that match its filter go, once it is confirmed, to <see cref="DeliveryQueue"/>:
/// the subscribed queue itself for the <c>sqs</c> protocol, or the queue a delivery worker drains for the others
/// (HTTP, e-mail, functions), so every delivery starts as a durable queue message written with the publish.
/// </summary>
public sealed record Subscription
{
    /// <summary>The subscription's id, the last part of its ARN.</summary>
    public required Guid Id { get; init; }

    /// <summary>sqs, http, https, email, email-json, lambda…; the engine only carries it.</summary>
    public required string Protocol { get; init; }

    /// <summary>Where the protocol delivers: a queue ARN, a URL, an address. The engine only carries it.</summary>
    public required string Endpoint { get; init; }

    /// <summary>The embedded queue the engine writes matching messages into; null when nothing is delivered yet.</summary>
    public string? DeliveryQueue { get; init; }

    /// <summary>
    /// True when <see cref="DeliveryQueue"/> is this subscription's own, for a delivery worker to drain (HTTP, e-mail,
    /// functions): the engine names it (<see cref="TopicLimits.DeliveryQueueName"/>), creates it with the subscription and
    /// deletes it with the subscription or its topic. Set it on a new subscription and leave <see cref="DeliveryQueue"/> null.
    /// </summary>
    public bool OwnsDeliveryQueue { get; init; }

    /// <summary>An unconfirmed subscription receives nothing.</summary>
    public bool Confirmed { get; init; }

    /// <summary>The token a confirmation must present, while unconfirmed.</summary>
    public string? ConfirmationToken { get; init; }

    /// <summary>The body goes as published, without the SNS envelope.</summary>
    public bool RawMessageDelivery { get; init; }

    /// <summary>The filter policy as JSON; null passes every message.</summary>
    public string? FilterPolicy { get; init; }

    /// <summary>What the filter policy looks at.</summary>
    public FilterPolicyScope FilterPolicyScope { get; init; } = FilterPolicyScope.MessageAttributes;

    /// <summary>Attributes the engine keeps but does not interpret (DeliveryPolicy, RedrivePolicy…).</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
