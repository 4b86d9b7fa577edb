namespace Spillway.Messaging.Topics;

/// <summary>How a topic is set up. A FIFO topic's name ends in <c>.fifo</c>.</summary>
public sealed record TopicDefinition
{
    /// <summary>The topic's name: <see cref="TopicLimits.NameRule"/>. Required.</summary>
    public required string Name { get; init; }

    /// <summary>FIFO topics only: a message without a deduplication id is deduplicated by the SHA-256 of its body.</summary>
    public bool ContentBasedDeduplication { get; init; }

    /// <summary>
    /// Attributes the engine keeps but does not interpret (DisplayName, Policy, DeliveryPolicy, a signature version…),
    /// for the API layer that does.
    /// </summary>
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Tags, at most 50.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Whether this is a FIFO topic (its name ends in <c>.fifo</c>).</summary>
    public bool IsFifo => TopicLimits.IsFifoName(Name);

    /// <summary>Throws <see cref="ArgumentException"/> naming what is wrong.</summary>
    public void Validate()
    {
        if (!TopicLimits.IsValidName(Name))
        {
            throw new ArgumentException($"Invalid topic name '{Name}': {TopicLimits.NameRule}.", nameof(Name));
        }

        if (ContentBasedDeduplication && !IsFifo)
        {
            throw new ArgumentException("ContentBasedDeduplication applies to FIFO topics only.", nameof(ContentBasedDeduplication));
        }

        if (Tags.Count > QueueLimits.MaxTags)
        {
            throw new ArgumentException($"A topic has at most {QueueLimits.MaxTags} tags.", nameof(Tags));
        }
    }
}
