using RabbitMQ.Client;
using Spillway.Messaging;

namespace Spillway.Amqp.Internal;

/// <summary>
/// Declares every queue as a durable quorum queue (replicated by Raft across the cluster). A redrive policy becomes
/// <c>x-delivery-limit</c> and an at-least-once dead-letter route through one direct exchange into the dead-letter
/// queue. Declaring is idempotent; a queue that exists with other arguments fails with the broker's
/// PRECONDITION_FAILED, which names the argument, rather than being silently changed.
/// </summary>
internal static class Topology
{
    public const string DeadLetterExchange = "spillway.dead-letter";

    public static async Task DeclareAsync(IChannel channel, IReadOnlyList<QueueDefinition> queues, CancellationToken cancellationToken)
    {
        await channel
            .ExchangeDeclareAsync(DeadLetterExchange, ExchangeType.Direct, durable: true, autoDelete: false, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        var deadLetterQueues = queues.Select(q => q.RedrivePolicy?.DeadLetterQueue).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var queue in queues.OrderBy(q => deadLetterQueues.Contains(q.Name) ? 0 : 1))
        {
            var arguments = Arguments(queue);
            await channel
                .QueueDeclareAsync(queue.Name, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            if (deadLetterQueues.Contains(queue.Name))
            {
                await channel.QueueBindAsync(queue.Name, DeadLetterExchange, queue.Name, cancellationToken: cancellationToken)
                    .ConfigureAwait(false);
            }
        }
    }

    public static Dictionary<string, object?> Arguments(QueueDefinition queue)
    {
        var arguments = new Dictionary<string, object?> { ["x-queue-type"] = "quorum" };
        if (queue.RedrivePolicy is { } policy)
        {
            // SQS moves a message once it was received maxReceiveCount times; RabbitMQ once it was returned more than
            // the limit, so the limit is one less and the handler sees a message exactly maxReceiveCount times.
            arguments["x-delivery-limit"] = policy.MaxReceiveCount - 1;
            arguments["x-dead-letter-exchange"] = DeadLetterExchange;
            arguments["x-dead-letter-routing-key"] = policy.DeadLetterQueue;
            // At-least-once dead-lettering (the message leaves only once the dead-letter queue confirmed it) requires
            // reject-publish overflow.
            arguments["x-dead-letter-strategy"] = "at-least-once";
            arguments["x-overflow"] = "reject-publish";
        }

        return arguments;
    }
}
