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

    /// <summary>
    /// Waits until every answered publish is durable in its queues too (a publish is answered once the topic's journal
    /// holds it; each queue shows it after its own fsync).
    /// </summary>
    protected Task Settled() =>
        WaitFor(() => Topics.List().All(t => t.UnfinishedDeliveries == 0), "a topic's deliveries did not reach their queues");

    /// <summary>Every message waiting in the queue once the topics have settled, as text, in the order received.</summary>
    protected async Task<List<string>> Drain(string queueName)
    {
        await Settled();
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
