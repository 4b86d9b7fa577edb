using RabbitMQ.Client;

namespace Spillway.Amqp.Internal;

/// <summary>
/// Moves messages out of a dead-letter queue one at a time: get, publish to the destination with the same message id
/// (so the sink still recognises a record it wrote before), wait for the confirm, then acknowledge the get. A crash
/// between the two leaves the message in both queues, never in neither.
/// </summary>
internal static class Redrive
{
    // The broker's bookkeeping of the earlier life: dropped, so the message starts afresh in its destination.
    private static readonly string[] DroppedHeaders =
        ["x-death", "x-delivery-count", "x-first-death-queue", "x-first-death-reason", "x-first-death-exchange",
         "x-last-death-queue", "x-last-death-reason", "x-last-death-exchange"];

    public static async Task<int> MoveAsync(
        IConnection connection, string source, string destination, int maxMessages, CancellationToken cancellationToken)
    {
        await using var channel = await connection.CreateChannelAsync(ConnectionKeeper.ConfirmedChannel, cancellationToken).ConfigureAwait(false);
        var moved = 0;
        while (moved < maxMessages)
        {
            var got = await channel.BasicGetAsync(source, autoAck: false, cancellationToken).ConfigureAwait(false);
            if (got is null)
            {
                break;
            }

            var from = got.BasicProperties;
            var properties = new BasicProperties
            {
                Persistent = true,
                MessageId = from.MessageId,
                Timestamp = from.Timestamp,
                ContentType = from.ContentType,
            };
            if (from.Headers is { Count: > 0 } headers)
            {
                properties.Headers = headers.Where(h => !DroppedHeaders.Contains(h.Key)).ToDictionary(h => h.Key, h => h.Value);
            }

            await channel.BasicPublishAsync(string.Empty, destination, mandatory: true, properties, got.Body, CancellationToken.None)
                .ConfigureAwait(false);
            await channel.BasicAckAsync(got.DeliveryTag, multiple: false, CancellationToken.None).ConfigureAwait(false);
            moved++;
        }

        return moved;
    }
}
