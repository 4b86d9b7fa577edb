using System.Text;
using Spillway.Messaging.Internal;

namespace Spillway.Messaging.Topics;

/// <summary>What a publish must be, stated once for every place that publishes (the engine's topics, a broker's fan-out).</summary>
public static class TopicMessageRules
{
    /// <summary>
    /// Checks a message against SNS's rules and the topic's kind, throwing <see cref="ArgumentException"/> naming what is
    /// wrong; for a FIFO topic, returns its deduplication id (given, or the body's SHA-256) and message group.
    /// </summary>
    public static (string DeduplicationId, string GroupId)? Validate(TopicDefinition definition, TopicMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (string.IsNullOrEmpty(message.Message))
        {
            throw new ArgumentException("Empty message.", nameof(message));
        }

        var size = Encoding.UTF8.GetByteCount(message.Message);
        if (message.Attributes is { } attributes)
        {
            if (attributes.Count > TopicLimits.MaxMessageAttributes)
            {
                throw new ArgumentException(
                    $"Number of message attributes [{attributes.Count}] exceeds the allowed maximum [{TopicLimits.MaxMessageAttributes}].",
                    nameof(message));
            }

            foreach (var (name, value) in attributes)
            {
                size += Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(value.DataType)
                    + (value.StringValue is null ? 0 : Encoding.UTF8.GetByteCount(value.StringValue)) + (value.BinaryValue?.Length ?? 0);
            }
        }

        if (size > TopicLimits.MaxMessageBytes)
        {
            throw new ArgumentException($"Message too long: {size} bytes with its attributes; at most {TopicLimits.MaxMessageBytes}.", nameof(message));
        }

        if (message.Subject is { } subject
            && (subject.Length is 0 or > TopicLimits.MaxSubjectLength || subject.Any(char.IsControl)))
        {
            throw new ArgumentException(
                $"Subject must be 1-{TopicLimits.MaxSubjectLength} characters without line breaks or control characters.", nameof(message));
        }

        if (!definition.IsFifo)
        {
            if (message.MessageGroupId is not null || message.MessageDeduplicationId is not null)
            {
                throw new ArgumentException(
                    "MessageGroupId and MessageDeduplicationId apply to FIFO topics only.", nameof(message));
            }

            return null;
        }

        if (string.IsNullOrEmpty(message.MessageGroupId))
        {
            throw new ArgumentException("The MessageGroupId parameter is required for FIFO topics.", nameof(message));
        }

        RequireFifoId(message.MessageGroupId, "MessageGroupId");
        if (message.MessageDeduplicationId is { } given)
        {
            RequireFifoId(given, "MessageDeduplicationId");
            return (given, message.MessageGroupId);
        }

        if (!definition.ContentBasedDeduplication)
        {
            throw new ArgumentException(
                "The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly.", nameof(message));
        }

        return (FifoRules.ContentId(Encoding.UTF8.GetBytes(message.Message)), message.MessageGroupId);
    }

    private static void RequireFifoId(string id, string name)
    {
        if (!FifoRules.IsValidId(id))
        {
            throw new ArgumentException($"{name} must be 1-128 characters of letters, digits and punctuation.", name);
        }
    }
}
