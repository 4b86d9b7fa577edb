using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Spillway.Amqp.Internal.Streams;

/// <summary>
/// Which node reads a shard for a consumer: the one holding the only exclusive consumer on a lease queue of that
/// consumer and shard. RabbitMQ refuses a second exclusive consumer and drops the first with its connection, so a node
/// that dies (even SIGKILLed) frees its shards at once and another takes them on its next read; no clock, no expiry.
/// The queue is empty, never durable, and deleted with its last consumer.
/// </summary>
internal sealed class ShardLease(ConnectionKeeper keeper, string queue) : IAsyncDisposable
{
    private IChannel? channel;

    public bool Held => channel is { IsOpen: true };

    /// <summary>Holds the lease, taking it when it is free; false while another node holds it or the broker is away.</summary>
    public async Task<bool> TryHoldAsync(CancellationToken cancellationToken)
    {
        if (Held)
        {
            return true;
        }

        await ReleaseAsync().ConfigureAwait(false);
        if (keeper.Current is not { } session)
        {
            return false;
        }

        var opened = await session.Connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            await opened.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: true, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            await opened.BasicConsumeAsync(
                    queue, autoAck: true, consumerTag: string.Empty, noLocal: false, exclusive: true, arguments: null,
                    new AsyncEventingBasicConsumer(opened), cancellationToken)
                .ConfigureAwait(false);
            channel = opened;
            return true;
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == Constants.AccessRefused)
        {
            // Another node's exclusive consumer holds it.
            opened.Dispose();
            return false;
        }
        catch
        {
            opened.Dispose();
            throw;
        }
    }

    public ValueTask DisposeAsync() => new(ReleaseAsync());

    private async Task ReleaseAsync()
    {
        var old = channel;
        channel = null;
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
            // Already closed with its connection, which released the lease.
        }

        old.Dispose();
    }
}
