using Spillway.Messaging;

namespace Spillway.Transport.Internal;

/// <summary>Sends into one engine queue, with the cheap backlog figure the ingest routes check on every request.</summary>
internal sealed class EmbeddedSender(MessageQueue queue, StatusCache status) : IQueueSender
{
    private const long BacklogTtlMs = 100;

    private long backlogBase;
    // Far enough in the past that the first read refreshes, without the subtraction overflowing.
    private long backlogReadAt = long.MinValue / 2;
    private long sentTotal;

    public string QueueName => queue.Name;

    public int MaximumMessageSize => queue.Definition.MaximumMessageSize;

    public TransportStatus Status => status.Read();

    /// <summary>The backlog counted at the last refresh plus every message sent through this sender since: it misses
    /// deletions, so it only ever overestimates.</summary>
    public long ApproximateBacklog
    {
        get
        {
            var now = Environment.TickCount64;
            if (now - Volatile.Read(ref backlogReadAt) >= BacklogTtlMs)
            {
                var sentBefore = Interlocked.Read(ref sentTotal);
                Volatile.Write(ref backlogBase, Backlog - sentBefore);
                Volatile.Write(ref backlogReadAt, now);
            }

            return Volatile.Read(ref backlogBase) + Interlocked.Read(ref sentTotal);
        }
    }

    public long Backlog
    {
        get
        {
            var counts = queue.GetCounts();
            return counts.Visible + counts.InFlight + counts.Delayed;
        }
    }

    public ValueTask<SendResult> SendBatchAsync(
        IReadOnlyList<OutgoingMessage> messages, string? idempotencyKey, CancellationToken cancellationToken)
    {
        // Counted up front (no await of our own on the hot path): a replay or a failed send makes the estimate run
        // ahead of the truth until the next refresh, which only errs towards confirming with an exact count.
        Interlocked.Add(ref sentTotal, messages.Count);
        return queue.SendBatchAsync(messages, idempotencyKey, cancellationToken);
    }
}
