using Spillway.Messaging;
using Spillway.Transport;

namespace Spillway.Gateway.Internal;

/// <summary>A route's queue on a <see cref="IMessageTransport"/> other than the engine: a broker that is unreachable
/// reads as storage that does not accept writes, so the route answers 503 with Retry-After and never 202.</summary>
internal sealed class TransportIngestTarget(IMessageTransport transport, string queueName) : IIngestTarget
{
    private IQueueSender? sender;

    public bool IsAvailable => Sender is not null;

    public StorageStatus StorageStatus
    {
        get
        {
            // The sender's own status: a broker may be reachable for publishing while this node's consumers reconnect.
            var status = Sender?.Status ?? transport.Status;
            return new StorageStatus(status.Available, 0, status.Available ? null : status.Reason);
        }
    }

    // The sender's backlog is itself a cached broker figure: no cheaper estimate exists.
    public long ApproximateBacklog => Backlog;

    public long Backlog => Sender!.Backlog;

    public int MaxMessageBytes => Sender!.MaximumMessageSize;

    private IQueueSender? Sender => sender ??= transport.FindSender(queueName);

    public ValueTask<SendResult> SendBatchAsync(IReadOnlyList<OutgoingMessage> messages, string? idempotencyKey) =>
        Sender!.SendBatchAsync(messages, idempotencyKey, CancellationToken.None);
}
