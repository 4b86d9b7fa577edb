namespace Spillway.Messaging.Topics;

/// <summary>SNS's limits and name rules for topics, stated once.</summary>
public static class TopicLimits
{
    /// <summary>A topic name's longest length, a FIFO topic's <c>.fifo</c> included.</summary>
    public const int MaxNameLength = 256;

    /// <summary>The ending of a FIFO topic's name.</summary>
    public const string FifoSuffix = ".fifo";

    /// <summary>A published message's largest size, its attributes' names, types and values included (256 KiB).</summary>
    public const int MaxMessageBytes = 256 * 1024;

    /// <summary>At most this many message attributes per message.</summary>
    public const int MaxMessageAttributes = 10;

    /// <summary>A subject's longest length; it must begin with a letter, digit or punctuation and hold no line break.</summary>
    public const int MaxSubjectLength = 100;

    /// <summary>PublishBatch takes at most this many entries.</summary>
    public const int MaxBatchEntries = 10;

    /// <summary>Filter policies per topic (SNS's default quota).</summary>
    public const int MaxFilterPoliciesPerTopic = 200;

    /// <summary>A FIFO topic drops a message whose deduplication id it saw within this window.</summary>
    public static TimeSpan DeduplicationWindow { get; } = TimeSpan.FromMinutes(5);

    /// <summary>The name rule, as error messages state it.</summary>
    public const string NameRule = "1-256 letters, digits, '-' or '_' (a FIFO topic's ending in '.fifo', which counts toward the 256)";

    /// <summary>True when <paramref name="name"/> ends in <c>.fifo</c>.</summary>
    public static bool IsFifoName(string? name) => name?.EndsWith(FifoSuffix, StringComparison.Ordinal) == true;

    /// <summary>True when <paramref name="name"/> follows <see cref="NameRule"/>.</summary>
    public static bool IsValidName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength)
        {
            return false;
        }

        var stem = IsFifoName(name) ? name[..^FifoSuffix.Length] : name;
        return stem.Length > 0 && stem.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
    }

    /// <summary>The tag that marks a subscription's own delivery queue; its value is <c>&lt;topic&gt;/&lt;subscription id&gt;</c>.</summary>
    public const string DeliveryQueueTag = "spillway:delivery-for";

    /// <summary>The prefix of every subscription's own delivery queue.</summary>
    public const string DeliveryQueuePrefix = "spillway-delivery-";

    /// <summary>
    /// The name of the queue a subscription that <see cref="Subscription.OwnsDeliveryQueue"/> delivers through: a valid
    /// queue name (50 characters) that no SQS client would pick by chance.
    /// </summary>
    public static string DeliveryQueueName(Guid subscriptionId) => DeliveryQueuePrefix + subscriptionId.ToString("N");

    /// <summary>How long a delivery waits in its queue at most: SQS's longest retention, past any retry policy SNS allows.</summary>
    public static TimeSpan DeliveryRetention { get; } = TimeSpan.FromDays(14);
}
