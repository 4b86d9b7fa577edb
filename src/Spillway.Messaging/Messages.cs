namespace Spillway.Messaging;

/// <summary>A message to send.</summary>
/// <param name="Body">The message body (UTF-8 text for SQS clients; Spillway's ingest stores JSON).</param>
/// <param name="Delay">Per-message delay; null uses the queue's delivery delay. Refused on FIFO queues (as in SQS, they
/// only have the queue's delay).</param>
public sealed record OutgoingMessage(ReadOnlyMemory<byte> Body, TimeSpan? Delay = null)
{
    /// <summary>Message attributes (at most 10); null for none.</summary>
    public IReadOnlyDictionary<string, MessageAttributeValue>? Attributes { get; init; }

    /// <summary>FIFO only, and required there: the group within which order is strict. 1-128 characters of ASCII letters,
    /// digits and punctuation.</summary>
    public string? MessageGroupId { get; init; }

    /// <summary>FIFO only: a send with an id seen in the last 5 minutes stores nothing and answers with the original
    /// message. Required unless the queue has content-based deduplication. 1-128 characters like a group id.</summary>
    public string? MessageDeduplicationId { get; init; }
}

/// <summary>An SQS-style message attribute.</summary>
public sealed record MessageAttributeValue(string DataType, string? StringValue, ReadOnlyMemory<byte>? BinaryValue = null);

/// <summary>A message that is durable in its queue.</summary>
public readonly record struct SentMessage(Guid MessageId, long SequenceNumber);

/// <summary>The answer to a send. <paramref name="Replayed"/> is true when the idempotency key had been seen before and
/// <paramref name="Messages"/> are the ones stored then: nothing new was stored.</summary>
public sealed record SendResult(IReadOnlyList<SentMessage> Messages, bool Replayed);

/// <summary>What a receive asks for.</summary>
public sealed record ReceiveOptions
{
    /// <summary>Most messages to return. 1–10,000 (the SQS API itself allows 10); defaults to 1.</summary>
    public int MaxMessages { get; init; } = 1;

    /// <summary>Visibility timeout for the returned messages; null uses the queue's.</summary>
    public TimeSpan? VisibilityTimeout { get; init; }

    /// <summary>Long-poll wait: return as soon as a message is available, or empty after this. 0–20 s; null (the
    /// default) uses the queue's <see cref="QueueDefinition.ReceiveMessageWaitTime"/>, as SQS does.</summary>
    public TimeSpan? WaitTime { get; init; }

    /// <summary>FIFO only (ignored on standard queues, as in SQS): a retried receive with the same id within 5 minutes
    /// returns the same messages and receipt handles, provided none was deleted or had its visibility changed, and
    /// restarts their visibility timeout. 1-128 characters of ASCII letters, digits and punctuation; null for none.</summary>
    public string? ReceiveRequestAttemptId { get; init; }
}

/// <summary>A message handed to a consumer; hidden from others until its visibility timeout passes.</summary>
public sealed record ReceivedMessage(
    Guid MessageId,
    string ReceiptHandle,
    ReadOnlyMemory<byte> Body,
    int ReceiveCount,
    DateTimeOffset SentTimestamp,
    DateTimeOffset FirstReceiveTimestamp,
    long SequenceNumber)
{
    /// <summary>Message attributes; empty when none were sent.</summary>
    public IReadOnlyDictionary<string, MessageAttributeValue> Attributes { get; init; } =
        System.Collections.ObjectModel.ReadOnlyDictionary<string, MessageAttributeValue>.Empty;

    /// <summary>FIFO: the message's group; null on standard queues.</summary>
    public string? MessageGroupId { get; init; }

    /// <summary>FIFO: the deduplication id (given, or the SHA-256 of the body in hex); null on standard queues.</summary>
    public string? MessageDeduplicationId { get; init; }
}

/// <summary>A message looked at without receiving it (for listing a dead-letter queue or tailing a queue).</summary>
public sealed record PeekedMessage(Guid MessageId, ReadOnlyMemory<byte> Body, int ReceiveCount, DateTimeOffset SentTimestamp)
{
    /// <summary>The message's position in its queue; a cursor for <see cref="MessageQueue.Peek(int, long)"/>.</summary>
    public long SequenceNumber { get; init; }
}

/// <summary>Approximate counts, as SQS reports them.</summary>
/// <param name="Visible">Messages available to receive.</param>
/// <param name="InFlight">Messages received and not yet deleted or visible again.</param>
/// <param name="Delayed">Messages not yet visible because of a delay.</param>
/// <param name="OldestSentTimestamp">When the oldest message still in the queue was sent; null when empty.</param>
public sealed record QueueCounts(long Visible, long InFlight, long Delayed, DateTimeOffset? OldestSentTimestamp);
