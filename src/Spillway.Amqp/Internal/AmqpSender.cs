using RabbitMQ.Client;
using Spillway.Messaging;
using Spillway.Transport;

namespace Spillway.Amqp.Internal;

/// <summary>
/// Publishes into one quorum queue: persistent messages, mandatory (an unroutable message is an error, not a silent
/// drop), on a channel with publisher confirms, and completes only once the broker confirmed every message of the
/// batch, that is once the quorum of replicas wrote it.
/// </summary>
internal sealed class AmqpSender(
    ConnectionKeeper keeper, QueueDefinition queue, BacklogProbe backlog, TimeSpan confirmTimeout, TimeProvider time) : IQueueSender
{
    public string QueueName => queue.Name;

    public int MaximumMessageSize => queue.MaximumMessageSize;

    /// <summary>The probe's figure errs high between reads already; no cheaper one exists.</summary>
    public long ApproximateBacklog => backlog.Read();

    public long Backlog => backlog.Read();

    public TransportStatus Status => keeper.Status;

    public async ValueTask<SendResult> SendBatchAsync(
        IReadOnlyList<OutgoingMessage> messages, string? idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var session = keeper.Current ?? throw new TransportUnavailableException(keeper.Status.Reason ?? "RabbitMQ is unreachable");
        var channel = session.NextPublisher();
        var sent = new SentMessage[messages.Count];
        var confirms = new Task[messages.Count];
        var timestamp = new AmqpTimestamp(time.GetUtcNow().ToUnixTimeSeconds());
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(confirmTimeout);
        try
        {
            for (var i = 0; i < confirms.Length; i++)
            {
                var id = idempotencyKey is null ? Guid.CreateVersion7() : MessageIds.FromIdempotencyKey(queue.Name, idempotencyKey, i);
                sent[i] = new SentMessage(id, 0);
                var properties = new BasicProperties
                {
                    Persistent = true,
                    MessageId = id.ToString(),
                    Timestamp = timestamp,
                };
                if (messages[i].Attributes is { Count: > 0 } attributes)
                {
                    properties.Headers = new Dictionary<string, object?> { [AttributeHeader.Name] = AttributeHeader.Encode(attributes) };
                }

                confirms[i] = channel
                    .BasicPublishAsync(string.Empty, queue.Name, mandatory: true, properties, messages[i].Body, timeout.Token)
                    .AsTask();
            }

            await Task.WhenAll(confirms).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Whatever was confirmed stays (a retry with the idempotency key republishes the same ids, and the sink
            // keeps one row each); the caller only learns that the batch as a whole was not acknowledged.
            foreach (var confirm in confirms)
            {
                _ = confirm?.Exception;
            }

            throw new TransportUnavailableException(
                e is OperationCanceledException
                    ? $"RabbitMQ did not confirm within {confirmTimeout.TotalSeconds:0} s"
                    : "RabbitMQ did not confirm the messages: " + e.Message,
                e);
        }

        backlog.Sent(sent.Length);
        return new SendResult(sent, Replayed: false);
    }
}
