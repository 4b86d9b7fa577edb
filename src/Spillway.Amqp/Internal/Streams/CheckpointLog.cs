using System.Collections.Concurrent;
using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Spillway.Transport;

namespace Spillway.Amqp.Internal.Streams;

/// <summary>
/// A stream's consumer checkpoints, kept in the broker beside its shards so that every stateless node finds them: a
/// stream queue, <c>&lt;stream&gt;.checkpoints</c>, to which each save appends (consumer, shard, sequence number) with
/// a publisher confirm. A node learns them by reading that queue from its start up to a marker it appended itself:
/// everything confirmed before the marker is then known, and later saves of other nodes keep arriving on the same
/// consumer. Kept as long as the stream's records: a checkpoint older than that covers nothing still kept. Serves the
/// consumers whose handler is not the SQL sink; the SQL sink keeps its consumers' checkpoints in its database.
/// </summary>
internal sealed class CheckpointLog(ConnectionKeeper publishing, ConnectionKeeper consuming, ShardLayout layout, TimeSpan confirmTimeout)
    : IStreamCheckpointStore, IAsyncDisposable
{
    private const string ConsumerHeader = "spillway-consumer";
    private const string ShardHeader = "spillway-shard";
    private const string MarkerHeader = "spillway-marker";

    private readonly ConcurrentDictionary<(string Consumer, string Shard), string> known = new();
    private readonly SemaphoreSlim gate = new(1, 1);
    private IChannel? channel;

    public static string QueueOf(string stream) => stream + ".checkpoints";

    public async ValueTask<string?> GetAsync(string consumer, string shardId, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        return known.GetValueOrDefault((consumer, shardId));
    }

    public async ValueTask SaveAsync(string consumer, string shardId, string sequenceNumber, CancellationToken cancellationToken)
    {
        await PublishAsync(
                new Dictionary<string, object?> { [ConsumerHeader] = consumer, [ShardHeader] = shardId }, sequenceNumber, cancellationToken)
            .ConfigureAwait(false);
        Remember(consumer, shardId, sequenceNumber);
    }

    public async ValueTask DisposeAsync()
    {
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await CloseQuietlyAsync(channel).ConfigureAwait(false);
            channel = null;
        }
        finally
        {
            gate.Release();
        }
    }

    // Sequence numbers grow as strings: the highest wins, whichever order saves of several nodes arrive in.
    private void Remember(string consumer, string shardId, string sequenceNumber) =>
        known.AddOrUpdate(
            (consumer, shardId), sequenceNumber, (_, old) => string.CompareOrdinal(old, sequenceNumber) >= 0 ? old : sequenceNumber);

    private async Task PublishAsync(Dictionary<string, object?> headers, string body, CancellationToken cancellationToken)
    {
        var session = publishing.Current ?? throw new TransportUnavailableException(publishing.Status.Reason ?? "RabbitMQ is unreachable");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(confirmTimeout);
        try
        {
            await session.NextPublisher()
                .BasicPublishAsync(
                    string.Empty, QueueOf(layout.StreamName), mandatory: true, new BasicProperties { Headers = headers },
                    Encoding.UTF8.GetBytes(body), timeout.Token)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new TransportUnavailableException("RabbitMQ did not confirm the checkpoint: " + e.Message, e);
        }
    }

    private async Task EnsureLoadedAsync(CancellationToken cancellationToken)
    {
        if (channel is { IsOpen: true })
        {
            return;
        }

        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (channel is { IsOpen: true })
            {
                return;
            }

            await CloseQuietlyAsync(channel).ConfigureAwait(false);
            channel = null;
            var session = await consuming.WaitAsync(confirmTimeout, cancellationToken).ConfigureAwait(false)
                ?? throw new TransportUnavailableException(consuming.Status.Reason ?? "RabbitMQ is unreachable");
            var opened = await session.Connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await opened.BasicQosAsync(0, 1000, global: false, cancellationToken).ConfigureAwait(false);
            var marker = Guid.NewGuid().ToString("N");
            var caughtUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var consumer = new AsyncEventingBasicConsumer(opened);
            consumer.ReceivedAsync += async (_, delivery) =>
            {
                Apply(delivery, marker, caughtUp);
                await opened.BasicAckAsync(delivery.DeliveryTag, multiple: false).ConfigureAwait(false);
            };
            opened.ChannelShutdownAsync += (_, e) =>
            {
                caughtUp.TrySetException(new TransportUnavailableException("RabbitMQ closed the checkpoint reader: " + e.ReplyText));
                return Task.CompletedTask;
            };
            await opened.BasicConsumeAsync(
                    QueueOf(layout.StreamName), autoAck: false, consumerTag: string.Empty, noLocal: false, exclusive: false,
                    new Dictionary<string, object?> { ["x-stream-offset"] = "first" }, consumer, cancellationToken)
                .ConfigureAwait(false);
            try
            {
                await PublishAsync(new Dictionary<string, object?> { [MarkerHeader] = marker }, string.Empty, cancellationToken)
                    .ConfigureAwait(false);
                await caughtUp.Task.WaitAsync(confirmTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await CloseQuietlyAsync(opened).ConfigureAwait(false);
                throw;
            }

            channel = opened;
        }
        catch (TimeoutException e)
        {
            throw new TransportUnavailableException("RabbitMQ did not return the checkpoints in time", e);
        }
        finally
        {
            gate.Release();
        }
    }

    private void Apply(BasicDeliverEventArgs delivery, string marker, TaskCompletionSource caughtUp)
    {
        var headers = delivery.BasicProperties.Headers;
        if (headers is null)
        {
            return;
        }

        if (headers.TryGetValue(MarkerHeader, out var seen))
        {
            if (seen is byte[] bytes && Encoding.UTF8.GetString(bytes) == marker)
            {
                caughtUp.TrySetResult();
            }

            return;
        }

        if (headers.TryGetValue(ConsumerHeader, out var consumer) && consumer is byte[] name
            && headers.TryGetValue(ShardHeader, out var shard) && shard is byte[] shardId)
        {
            Remember(Encoding.UTF8.GetString(name), Encoding.UTF8.GetString(shardId), Encoding.UTF8.GetString(delivery.Body.Span));
        }
    }

    private static async Task CloseQuietlyAsync(IChannel? channel)
    {
        if (channel is null)
        {
            return;
        }

        try
        {
            await channel.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Already closed with its connection.
        }

        channel.Dispose();
    }
}
