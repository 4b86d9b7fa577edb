using System.Security.Cryptography;

namespace Spillway.Messaging.Internal;

/// <summary>SQS's rules for FIFO queue definitions, FIFO sends and receive attempt ids.</summary>
internal static class FifoRules
{
    public const int MaxIdLength = 128;

    /// <summary>How long a deduplication id or a receive attempt id is remembered (SQS: 5 minutes).</summary>
    public static readonly long WindowMs = (long)TimeSpan.FromMinutes(5).TotalMilliseconds;

    public static void ValidateDefinition(QueueDefinition definition)
    {
        var fifoName = DefinitionRules.IsFifoName(definition.Name);
        if (fifoName != definition.FifoQueue)
        {
            throw new ArgumentException(
                definition.FifoQueue
                    ? $"FIFO queue '{definition.Name}' must have a name ending in '.fifo'."
                    : $"Queue '{definition.Name}' ends in '.fifo', so it must be created with FifoQueue = true.",
                nameof(QueueDefinition.FifoQueue));
        }

        if (!definition.FifoQueue
            && (definition.ContentBasedDeduplication || definition.DeduplicationScope != DeduplicationScope.Queue
                || definition.FifoThroughputLimit != FifoThroughputLimit.PerQueue))
        {
            throw new ArgumentException(
                "ContentBasedDeduplication, DeduplicationScope and FifoThroughputLimit apply to FIFO queues only.",
                nameof(QueueDefinition.ContentBasedDeduplication));
        }

        if (!Enum.IsDefined(definition.DeduplicationScope) || !Enum.IsDefined(definition.FifoThroughputLimit))
        {
            throw new ArgumentException("DeduplicationScope or FifoThroughputLimit has an unknown value.", nameof(definition));
        }

        if (definition.FifoThroughputLimit == FifoThroughputLimit.PerMessageGroupId
            && definition.DeduplicationScope != DeduplicationScope.MessageGroup)
        {
            throw new ArgumentException(
                "FifoThroughputLimit perMessageGroupId requires DeduplicationScope messageGroup.", nameof(definition));
        }

        if (definition.RedrivePolicy is { } redrive && DefinitionRules.IsFifoName(redrive.DeadLetterQueue) != definition.FifoQueue)
        {
            throw new ArgumentException(
                definition.FifoQueue
                    ? "A FIFO queue's dead-letter queue must be a FIFO queue."
                    : "A standard queue's dead-letter queue must be a standard queue.",
                DefinitionRules.DeadLetterQueueField);
        }
    }

    /// <summary>SQS: 1-128 characters, alphanumerics and punctuation (printable ASCII without space).</summary>
    public static bool IsValidId(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxIdLength)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (c is < '!' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Content-based deduplication: SHA-256 of the body only (attributes excluded), as lowercase hex.</summary>
    public static string ContentId(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body));

    /// <summary>The key a deduplication id is remembered under: per queue, or per group (NUL cannot occur in either id).</summary>
    public static string DedupKey(DeduplicationScope scope, string groupId, string deduplicationId) =>
        scope == DeduplicationScope.MessageGroup ? string.Concat(groupId, "\0", deduplicationId) : deduplicationId;

    /// <summary>Checks one FIFO send entry and returns its deduplication id.</summary>
    public static string ValidateSend(QueueDefinition definition, OutgoingMessage message, int index)
    {
        if (message.Delay is not null)
        {
            throw new ArgumentException(
                $"Message {index}: FIFO queue '{definition.Name}' does not take a per-message delay (only the queue's DeliveryDelay).",
                nameof(message));
        }

        if (!IsValidId(message.MessageGroupId))
        {
            throw new ArgumentException(
                $"Message {index}: a FIFO queue needs a MessageGroupId of 1-{MaxIdLength} ASCII letters, digits or punctuation.",
                nameof(message));
        }

        if (message.MessageDeduplicationId is { } id)
        {
            return IsValidId(id)
                ? id
                : throw new ArgumentException(
                    $"Message {index}: MessageDeduplicationId must be 1-{MaxIdLength} ASCII letters, digits or punctuation.",
                    nameof(message));
        }

        return definition.ContentBasedDeduplication
            ? ContentId(message.Body.Span)
            : throw new ArgumentException(
                $"Message {index}: FIFO queue '{definition.Name}' has no content-based deduplication, so a MessageDeduplicationId is required.",
                nameof(message));
    }
}
