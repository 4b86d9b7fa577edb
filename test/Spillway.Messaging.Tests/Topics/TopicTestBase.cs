using Spillway.Messaging.Topics;

namespace Spillway.Messaging.Tests.Topics;

/// <summary>Topics over the test engine, with queue subscriptions made in one call.</summary>
public abstract class TopicTestBase : EngineTestBase
{
    protected TopicStore Topics => Engine.Topics;

    protected Topic Topic(string name) => Topics.TryGet(name, out var topic) ? topic : throw new InvalidOperationException(name);

    /// <summary>Creates the queue and subscribes it, confirmed, as SNS subscribes a queue of its own account.</summary>
    protected async Task<Subscription> SubscribeQueue(Topic topic, string queueName, string? filterPolicy = null)
    {
        await Engine.CreateQueueAsync(new QueueDefinition
        {
            Name = queueName,
            FifoQueue = QueueLimits.IsFifoName(queueName),
            ContentBasedDeduplication = QueueLimits.IsFifoName(queueName),
        });
        return await topic.SubscribeAsync(new Subscription
        {
            Id = Guid.NewGuid(),
            Protocol = "sqs",
            Endpoint = "arn:aws:sqs:us-east-1:000000000000:" + queueName,
            DeliveryQueue = queueName,
            Confirmed = true,
            FilterPolicy = filterPolicy,
        });
    }

    /// <summary>Every message waiting in the queue, as text, in the order received.</summary>
    protected async Task<List<string>> Drain(string queueName)
    {
        var all = new List<string>();
        while (true)
        {
            var batch = await Receive(Queue(queueName), max: 10, visibility: TimeSpan.FromHours(1));
            if (batch.Count == 0)
            {
                return all;
            }

            all.AddRange(batch.Select(Text));
        }
    }
}
