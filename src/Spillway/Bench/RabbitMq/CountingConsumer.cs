using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Spillway.Bench.RabbitMq;

/// <summary>Counts the deliveries of all consumers of one phase and completes when the phase's total has arrived.</summary>
internal sealed class DeliveryTally(int total)
{
    private readonly TaskCompletionSource completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int count;

    public Task Completed => completed.Task;

    public void Add()
    {
        if (Interlocked.Increment(ref count) == total)
        {
            completed.TrySetResult();
        }
    }

    public void Fail(Exception exception) => completed.TrySetException(exception);
}

/// <summary>
/// A manual-ack consumer: every <c>ackEvery</c> deliveries it acknowledges them all with one <c>multiple = true</c> ack.
/// The client dispatches one delivery at a time per channel, so the fields need no lock.
/// </summary>
internal sealed class CountingConsumer(IChannel channel, DeliveryTally tally, int ackEvery) : AsyncDefaultBasicConsumer(channel)
{
    private ulong lastDeliveryTag;
    private int held;

    public override async Task HandleBasicDeliverAsync(
        string consumerTag,
        ulong deliveryTag,
        bool redelivered,
        string exchange,
        string routingKey,
        IReadOnlyBasicProperties properties,
        ReadOnlyMemory<byte> body,
        CancellationToken cancellationToken = default)
    {
        lastDeliveryTag = deliveryTag;
        if (++held >= ackEvery)
        {
            await Channel.BasicAckAsync(deliveryTag, multiple: ackEvery > 1, cancellationToken).ConfigureAwait(false);
            held = 0;
        }

        // Counted after the ack it may trigger, so once the tally completes no handler is mid-ack and AckHeldAsync
        // sees every delivery still held.
        tally.Add();
    }

    /// <summary>Acknowledges the deliveries short of a full batch; called once the tally is complete.</summary>
    public async Task AckHeldAsync(CancellationToken cancellationToken)
    {
        if (held > 0)
        {
            await Channel.BasicAckAsync(lastDeliveryTag, multiple: true, cancellationToken).ConfigureAwait(false);
            held = 0;
        }
    }

    public override Task HandleChannelShutdownAsync(object channel, ShutdownEventArgs reason)
    {
        tally.Fail(new InvalidOperationException("RabbitMQ closed the consumer's channel: " + reason.ReplyText));
        return base.HandleChannelShutdownAsync(channel, reason);
    }
}
