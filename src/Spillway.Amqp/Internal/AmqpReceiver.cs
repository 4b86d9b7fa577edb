using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Spillway.Messaging;
using Spillway.Transport;

namespace Spillway.Amqp.Internal;

/// <summary>
/// Consumes one quorum queue on a channel of its own with manual acknowledgements and a prefetch of the worker's
/// batch size × concurrency, buffering deliveries for <see cref="ReceiveAsync"/>. A receipt handle is the session
/// epoch and the delivery tag: once the channel is lost the broker returns every unacknowledged message to the queue,
/// and the handles of the old channel stop naming anything (an ack there would hit another message or close the
/// channel). A message stays held for as long as the channel lives, so a visibility change only checks that.
/// </summary>
internal sealed class AmqpReceiver(
    ConnectionKeeper keeper, QueueDefinition queue, int prefetch, ILogger logger, TimeProvider time) : IQueueReceiver
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly SemaphoreSlim acks = new(1, 1);
    private Channel<ReceivedMessage> buffer = Channel.CreateUnbounded<ReceivedMessage>();
    private IChannel? channel;
    private long epoch = -1;
    private bool disposed;

    public string QueueName => queue.Name;

    public TimeSpan VisibilityTimeout => queue.VisibilityTimeout;

    public async ValueTask<IReadOnlyList<ReceivedMessage>> ReceiveAsync(ReceiveOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var wait = options.WaitTime ?? TimeSpan.FromSeconds(20);
        var reader = await EnsureConsumingAsync(wait, cancellationToken).ConfigureAwait(false);
        if (reader is null)
        {
            return [];
        }

        var received = new List<ReceivedMessage>(Math.Min(options.MaxMessages, 256));
        while (received.Count < options.MaxMessages && reader.TryRead(out var message))
        {
            received.Add(message);
        }

        if (received.Count > 0 || wait <= TimeSpan.Zero)
        {
            return received;
        }

        using var timer = new CancellationTokenSource(wait, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, cancellationToken);
        try
        {
            if (await reader.WaitToReadAsync(linked.Token).ConfigureAwait(false))
            {
                while (received.Count < options.MaxMessages && reader.TryRead(out var message))
                {
                    received.Add(message);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The wait ran out with nothing delivered.
        }

        return received;
    }

    public async ValueTask<int> DeleteBatchAsync(IReadOnlyList<string> receiptHandles, CancellationToken cancellationToken) =>
        await SettleAsync(receiptHandles, (c, tag) => c.BasicAckAsync(tag, multiple: false, CancellationToken.None)).ConfigureAwait(false);

    public async ValueTask ReleaseAsync(IReadOnlyList<string> receiptHandles, CancellationToken cancellationToken) =>
        // Requeued at once; the quorum queue counts the return against x-delivery-limit and dead-letters past it.
        await SettleAsync(receiptHandles, (c, tag) => c.BasicNackAsync(tag, multiple: false, requeue: true, CancellationToken.None))
            .ConfigureAwait(false);

    public bool ChangeVisibility(string receiptHandle, TimeSpan visibilityTimeout) =>
        TryParse(receiptHandle, out var handleEpoch, out _) && handleEpoch == Volatile.Read(ref epoch) && channel is { IsOpen: true };

    public async ValueTask DisposeAsync()
    {
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            disposed = true;
            await CloseAsync().ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<int> SettleAsync(IReadOnlyList<string> handles, Func<IChannel, ulong, ValueTask> settle)
    {
        var settled = 0;
        await acks.WaitAsync().ConfigureAwait(false);
        try
        {
            var live = channel;
            var liveEpoch = Volatile.Read(ref epoch);
            foreach (var handle in handles)
            {
                if (live is null || !TryParse(handle, out var handleEpoch, out var tag) || handleEpoch != liveEpoch)
                {
                    continue;
                }

                try
                {
                    await settle(live, tag).ConfigureAwait(false);
                    settled++;
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // The channel is gone: the broker returns the message to the queue, and the sink's idempotent
                    // write absorbs the redelivery.
                    break;
                }
            }
        }
        finally
        {
            acks.Release();
        }

        return settled;
    }

    private async Task<ChannelReader<ReceivedMessage>?> EnsureConsumingAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        if (channel is { IsOpen: true })
        {
            return buffer.Reader;
        }

        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (channel is { IsOpen: true })
            {
                return buffer.Reader;
            }

            await CloseAsync().ConfigureAwait(false);
            var session = await keeper.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
            if (session is null)
            {
                return null;
            }

            var opened = await session.Connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            var window = (ushort)Math.Clamp(prefetch, 1, ushort.MaxValue);
            await opened.BasicQosAsync(0, window, global: false, cancellationToken).ConfigureAwait(false);
            var target = Channel.CreateUnbounded<ReceivedMessage>(new UnboundedChannelOptions { SingleWriter = true });
            var channelEpoch = Interlocked.Increment(ref epoch);
            var consumer = new AsyncEventingBasicConsumer(opened);
            consumer.ReceivedAsync += (_, delivery) =>
            {
                target.Writer.TryWrite(ToMessage(delivery, channelEpoch));
                return Task.CompletedTask;
            };
            opened.ChannelShutdownAsync += (_, e) =>
            {
                target.Writer.TryComplete();
                if (!e.Initiator.Equals(ShutdownInitiator.Application))
                {
                    LogMessages.ConsumerLost(logger, queue.Name, e.ReplyText);
                }

                return Task.CompletedTask;
            };
            buffer = target;
            channel = opened;
            await opened.BasicConsumeAsync(queue.Name, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
            return target.Reader;
        }
        finally
        {
            gate.Release();
        }
    }

    // Buffered deliveries of the closed channel are dropped: the broker requeues them once the channel is gone.
    private async Task CloseAsync()
    {
        var old = channel;
        channel = null;
        Interlocked.Increment(ref epoch);
        buffer.Writer.TryComplete();
        if (old is null)
        {
            return;
        }

        try
        {
            await old.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Already closed with its connection.
        }

        old.Dispose();
    }

    private ReceivedMessage ToMessage(BasicDeliverEventArgs delivery, long channelEpoch)
    {
        var properties = delivery.BasicProperties;
        // A message published by something other than Spillway may carry no id: it gets one, but then a redelivery
        // cannot be recognised by the sink.
        var id = Guid.TryParse(properties.MessageId, out var parsed) ? parsed : Guid.CreateVersion7();
        var returns = properties.Headers is { } headers && headers.TryGetValue("x-delivery-count", out var value) && value is not null
            ? Convert.ToInt32(value, CultureInfo.InvariantCulture)
            : delivery.Redelivered ? 1 : 0;
        var now = time.GetUtcNow();
        var sent = properties.IsTimestampPresent() ? DateTimeOffset.FromUnixTimeSeconds(properties.Timestamp.UnixTime) : now;
        // The body is only valid during the callback: copied out.
        var message = new ReceivedMessage(
            id, $"{channelEpoch}:{delivery.DeliveryTag}", delivery.Body.ToArray(), returns + 1, sent, now, (long)delivery.DeliveryTag);
        return AttributeHeader.Decode(properties.Headers) is { } attributes ? message with { Attributes = attributes } : message;
    }

    private static bool TryParse(string handle, out long handleEpoch, out ulong tag)
    {
        tag = 0;
        handleEpoch = 0;
        var colon = handle.IndexOf(':', StringComparison.Ordinal);
        return colon > 0
            && long.TryParse(handle.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out handleEpoch)
            && ulong.TryParse(handle.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out tag);
    }
}
