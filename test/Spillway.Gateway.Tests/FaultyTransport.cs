using Spillway.Messaging;
using Spillway.Transport;

namespace Spillway.Gateway.Tests;

/// <summary>A transport whose one queue fails as told: the seam storage faults are injected through.</summary>
internal sealed class FaultyTransport : IMessageTransport, IQueueSender
{
    public Func<SendResult>? Send { get; init; }

    public TransportStatus Status { get; init; } = TransportStatus.Up;

    public int Sends { get; private set; }

    public string Kind => "faulty";

    public bool ReportsMessageAge => false;

    public IQueueAdmin Admin => throw new NotSupportedException();

    public string QueueName => "submit";

    public int MaximumMessageSize => 1024 * 1024;

    public long ApproximateBacklog => 0;

    public long Backlog => 0;

    public IQueueSender? FindSender(string queueName) => queueName == QueueName ? this : null;

    public IQueueReceiver OpenReceiver(string queueName, int prefetch) => throw new NotSupportedException();

    public ValueTask<SendResult> SendBatchAsync(
        IReadOnlyList<OutgoingMessage> messages, string? idempotencyKey, CancellationToken cancellationToken)
    {
        Sends++;
        return ValueTask.FromResult(Send!());
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
