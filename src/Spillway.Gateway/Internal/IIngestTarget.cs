using Spillway.Messaging;

namespace Spillway.Gateway.Internal;

/// <summary>Where a route stores its records: its queue and the engine's storage state. An interface so tests can
/// inject storage faults; production uses <see cref="QueueIngestTarget"/>.</summary>
internal interface IIngestTarget
{
    /// <summary>Whether the queue exists; the other members may be used only when it does.</summary>
    bool IsAvailable { get; }

    /// <summary>Whether the engine's storage accepts writes.</summary>
    StorageStatus StorageStatus { get; }

    /// <summary>Messages in the queue: visible + in flight + delayed.</summary>
    long Backlog { get; }

    /// <summary>The queue's largest message body, in bytes.</summary>
    int MaxMessageBytes { get; }

    ValueTask<SendResult> SendBatchAsync(IReadOnlyList<OutgoingMessage> messages, string? idempotencyKey);
}

/// <summary>Resolves a route's queue lazily (the host may create it after mapping) and then keeps it.</summary>
internal sealed class QueueIngestTarget(Func<MessageQueue?> resolveQueue, Func<StorageStatus> storageStatus) : IIngestTarget
{
    private MessageQueue? queue;

    public bool IsAvailable => Queue is not null;

    private MessageQueue? Queue => queue ??= resolveQueue();

    public StorageStatus StorageStatus => storageStatus();

    public long Backlog
    {
        get
        {
            var counts = Queue!.GetCounts();
            return counts.Visible + counts.InFlight + counts.Delayed;
        }
    }

    public int MaxMessageBytes => Queue!.Definition.MaximumMessageSize;

    // A send that has started is not cancelled when the client goes away: the client may retry with its
    // idempotency key, and a half-cancelled batch would only make the outcome harder to reason about.
    public ValueTask<SendResult> SendBatchAsync(IReadOnlyList<OutgoingMessage> messages, string? idempotencyKey)
        => Queue!.SendBatchAsync(messages, idempotencyKey, CancellationToken.None);
}
