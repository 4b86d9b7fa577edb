using Spillway.Messaging;

namespace Spillway.Gateway.Internal;

/// <summary>Where a route stores its records: its queue and the engine's storage state. An interface so tests can
/// inject storage faults; production uses <see cref="QueueIngestTarget"/>.</summary>
internal interface IIngestTarget
{
    /// <summary>Whether the queue exists; the other members may be used only when it does.</summary>
    bool IsAvailable { get; }

    /// <summary>Whether the engine's storage accepts writes (may be a fraction of a second old).</summary>
    StorageStatus StorageStatus { get; }

    /// <summary>A cheap estimate of <see cref="Backlog"/> that may be higher than the truth, never lower.</summary>
    long ApproximateBacklog { get; }

    /// <summary>Messages in the queue: visible + in flight + delayed.</summary>
    long Backlog { get; }

    /// <summary>The queue's largest message body, in bytes.</summary>
    int MaxMessageBytes { get; }

    ValueTask<SendResult> SendBatchAsync(IReadOnlyList<OutgoingMessage> messages, string? idempotencyKey);
}

/// <summary>
/// Resolves a route's queue lazily (the host may create it after mapping) and then keeps it. The storage status and the
/// backlog are read through short-lived caches: both take a lock or a system call in the engine, and checking them on
/// every one of tens of thousands of requests a second would cost more than the check is worth.
/// </summary>
internal sealed class QueueIngestTarget(Func<MessageQueue?> resolveQueue, Func<StorageStatus> storageStatus) : IIngestTarget
{
    // A stale "writable" is safe: the send itself refuses on a full disk or a failed writer, and that maps to 503 too.
    private const long StatusTtlMs = 250;
    private const long BacklogTtlMs = 100;

    private MessageQueue? queue;
    private StorageStatus? status;
    private long statusReadAt;
    private long backlogBase;
    private long backlogReadAt = long.MinValue;
    private long sentTotal;

    public bool IsAvailable => Queue is not null;

    public StorageStatus StorageStatus
    {
        get
        {
            var now = Environment.TickCount64;
            var cached = Volatile.Read(ref status);
            if (cached is null || now - Volatile.Read(ref statusReadAt) >= StatusTtlMs)
            {
                cached = storageStatus();
                Volatile.Write(ref status, cached);
                Volatile.Write(ref statusReadAt, now);
            }

            return cached;
        }
    }

    /// <summary>The backlog counted at the last refresh plus every message sent through this route since: it misses
    /// deletions (so it only ever overestimates), and the caller confirms with <see cref="Backlog"/> before refusing.</summary>
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
            var counts = Queue!.GetCounts();
            return counts.Visible + counts.InFlight + counts.Delayed;
        }
    }

    public int MaxMessageBytes => Queue!.Definition.MaximumMessageSize;

    private MessageQueue? Queue => queue ??= resolveQueue();

    // A send that has started is not cancelled when the client goes away: the client may retry with its
    // idempotency key, and a half-cancelled batch would only make the outcome harder to reason about.
    public ValueTask<SendResult> SendBatchAsync(IReadOnlyList<OutgoingMessage> messages, string? idempotencyKey)
    {
        // Counted up front (no await of our own on the hot path): a replay or a failed send makes the estimate run
        // ahead of the truth until the next refresh, which only errs towards confirming with an exact count.
        Interlocked.Add(ref sentTotal, messages.Count);
        return Queue!.SendBatchAsync(messages, idempotencyKey, CancellationToken.None);
    }
}
