namespace Spillway.Amqp.Internal;

/// <summary>
/// A queue's ready-message count, read with a passive declare at most every half second in the background, plus the
/// messages this node sent since: a cheap figure for the gateway's backlog limit that errs high, never low, between
/// reads. Messages held unacknowledged by consumers are not in RabbitMQ's count.
/// </summary>
internal sealed class BacklogProbe(ConnectionKeeper keeper, string queue)
{
    private const long RefreshMs = 500;
    private long count;
    private long sentSince;
    // Far enough in the past that the first read refreshes, without the subtraction overflowing.
    private long readAt = long.MinValue / 2;
    private int refreshing;

    public long Read()
    {
        if (Environment.TickCount64 - Volatile.Read(ref readAt) >= RefreshMs && Interlocked.Exchange(ref refreshing, 1) == 0)
        {
            _ = RefreshAsync();
        }

        return Volatile.Read(ref count) + Interlocked.Read(ref sentSince);
    }

    public void Sent(int messages) => Interlocked.Add(ref sentSince, messages);

    /// <summary>The count now, straight from the broker; null when it is unreachable.</summary>
    public async Task<long?> CountAsync(CancellationToken cancellationToken)
    {
        if (keeper.Current is not { } session)
        {
            return null;
        }

        await using var channel = await session.Connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var declared = await channel.QueueDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false);
        return declared.MessageCount;
    }

    private async Task RefreshAsync()
    {
        try
        {
            var sentBefore = Interlocked.Read(ref sentSince);
            if (await CountAsync(CancellationToken.None).ConfigureAwait(false) is { } now)
            {
                Volatile.Write(ref count, now);
                Interlocked.Add(ref sentSince, -sentBefore);
                Volatile.Write(ref readAt, Environment.TickCount64);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Unreachable or closing: the last figure stands, and the transport's status already says why.
        }
        finally
        {
            Volatile.Write(ref refreshing, 0);
        }
    }
}
