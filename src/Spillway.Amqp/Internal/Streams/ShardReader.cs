using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Spillway.Messaging.Streams;

namespace Spillway.Amqp.Internal.Streams;

/// <summary>
/// Reads one shard's stream queue in order from a position (<see cref="ShardPositions"/>) with basic.consume and
/// <c>x-stream-offset</c>, on a channel of its own with a prefetch (RabbitMQ requires one on a stream consumer) and
/// manual acknowledgements, which on a stream only return credit: what a reader has processed is its checkpoint, kept
/// by the caller. A record's sequence number is made of its stream offset (<see cref="StreamKeys.SequenceNumber"/>), so
/// it parses back to a position. RabbitMQ attaches a consumer at the start of the chunk holding the position asked
/// for, so records before it are skipped here. After a lost channel the reader attaches again just past the last
/// record it returned.
/// </summary>
internal sealed class ShardReader(ConnectionKeeper keeper, ShardLayout layout, int shardIndex, long position, int prefetch, ILogger logger)
    : IAsyncDisposable
{
    private const string OffsetHeader = "x-stream-offset";

    private readonly SemaphoreSlim gate = new(1, 1);
    private Channel<Delivery> buffer = Channel.CreateUnbounded<Delivery>();
    private IChannel? channel;
    private readonly ShardDescription shard = layout.Shards[shardIndex];
    // The first offset not yet returned, or where to attach while no record has pinned the position down yet.
    private long next = position;
    private bool disposed;

    /// <summary>Where the next read continues: the offset after the last record returned, or the starting position.</summary>
    public long Position => next;

    /// <summary>Up to <paramref name="maxRecords"/> records in order, waiting up to <paramref name="wait"/> for the
    /// first; empty when none came (or the broker is unreachable) in that time.</summary>
    public async ValueTask<IReadOnlyList<StreamRecord>> ReadAsync(int maxRecords, TimeSpan wait, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRecords, 1);
        var reader = await EnsureConsumingAsync(wait, cancellationToken).ConfigureAwait(false);
        var records = new List<StreamRecord>(Math.Min(maxRecords, 1024));
        if (reader is null)
        {
            return records;
        }

        await TakeAsync(reader, records, maxRecords).ConfigureAwait(false);
        if (records.Count > 0 || wait <= TimeSpan.Zero)
        {
            return records;
        }

        using var timer = new CancellationTokenSource(wait);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, cancellationToken);
        try
        {
            while (records.Count == 0 && await reader.WaitToReadAsync(linked.Token).ConfigureAwait(false))
            {
                await TakeAsync(reader, records, maxRecords).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The wait ran out with nothing new.
        }

        return records;
    }

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

    // Moves what is buffered into the result, skipping what lies before the position, and acknowledges every delivery
    // taken (returning the credit) with one multiple ack.
    private async Task TakeAsync(ChannelReader<Delivery> reader, List<StreamRecord> records, int maxRecords)
    {
        Delivery? last = null;
        while (records.Count < maxRecords && reader.TryRead(out var delivery))
        {
            last = delivery;
            if (delivery.Offset < next
                || (ShardPositions.TryGetTime(next, out var time) && delivery.Record.ApproximateArrivalTimestamp < time))
            {
                continue;
            }

            records.Add(delivery.Record);
            next = delivery.Offset + 1;
        }

        if (last is { } settled && settled.Channel.IsOpen)
        {
            try
            {
                await settled.Channel.BasicAckAsync(settled.Tag, multiple: true).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The channel is going: the next read attaches a new one past the last record returned.
            }
        }
    }

    private async Task<ChannelReader<Delivery>?> EnsureConsumingAsync(TimeSpan wait, CancellationToken cancellationToken)
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
            await opened.BasicQosAsync(0, (ushort)Math.Clamp(prefetch, 1, ushort.MaxValue), global: false, cancellationToken)
                .ConfigureAwait(false);
            var target = Channel.CreateUnbounded<Delivery>(new UnboundedChannelOptions { SingleWriter = true, SingleReader = true });
            var consumer = new AsyncEventingBasicConsumer(opened);
            consumer.ReceivedAsync += (_, delivery) =>
            {
                target.Writer.TryWrite(ToDelivery(opened, delivery));
                return Task.CompletedTask;
            };
            opened.ChannelShutdownAsync += (_, e) =>
            {
                target.Writer.TryComplete();
                if (!e.Initiator.Equals(ShutdownInitiator.Application))
                {
                    LogMessages.ShardReaderLost(logger, layout.QueueOf(shard), e.ReplyText);
                }

                return Task.CompletedTask;
            };
            buffer = target;
            channel = opened;
            var arguments = new Dictionary<string, object?> { [OffsetHeader] = AttachAt() };
            await opened.BasicConsumeAsync(
                    layout.QueueOf(shard), autoAck: false, consumerTag: string.Empty, noLocal: false, exclusive: false, arguments, consumer,
                    cancellationToken)
                .ConfigureAwait(false);
            return target.Reader;
        }
        finally
        {
            gate.Release();
        }
    }

    private object AttachAt() => next switch
    {
        >= 0 => next,
        ShardPositions.First => "first",
        ShardPositions.Latest => "next",
        // Whole seconds on the wire: the chunk of that second, with what came before the exact time skipped.
        _ when ShardPositions.TryGetTime(next, out var time) => new AmqpTimestamp(time.ToUnixTimeSeconds()),
        _ => throw new InvalidOperationException($"{next} is not a position"),
    };

    private async Task CloseAsync()
    {
        var old = channel;
        channel = null;
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

    private Delivery ToDelivery(IChannel channel, BasicDeliverEventArgs delivery)
    {
        var headers = delivery.BasicProperties.Headers;
        var offset = headers is not null && headers.TryGetValue(OffsetHeader, out var value) && value is not null
            ? Convert.ToInt64(value, CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"a delivery without {OffsetHeader}: is this a stream queue?");
        var key = headers.TryGetValue(StreamPublisher.PartitionKeyHeader, out var k) && k is byte[] bytes ? Encoding.UTF8.GetString(bytes) : string.Empty;
        var arrival = headers.TryGetValue(StreamPublisher.ArrivalHeader, out var a) && a is not null
            ? DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(a, CultureInfo.InvariantCulture))
            : DateTimeOffset.UnixEpoch;
        // The body is only valid during the callback: copied out.
        var record = new StreamRecord(StreamKeys.SequenceNumber(offset, shardIndex), arrival, key, delivery.Body.ToArray());
        return new Delivery(record, offset, channel, delivery.DeliveryTag);
    }

    private readonly record struct Delivery(StreamRecord Record, long Offset, IChannel Channel, ulong Tag);
}
