using System.Diagnostics;
using System.Globalization;
using Spillway.Messaging;
using Spillway.Messaging.Topics;

namespace Spillway.Bench.Topic;

/// <summary>
/// The engine in process: a standard topic with one queue subscription per queue, each with a filter policy on the
/// <c>slot</c> attribute, and publishers each awaiting its publish (answered once every matching queue holds it). A fresh
/// topic and queues per run, deleted afterwards.
/// </summary>
internal sealed class EngineTopicContender(QueueEngine engine, int queues, int publishers) : TopicContender
{
    public override string Name => "engine";

    public static async Task<EngineTopicContender> OpenAsync(string directory, int queues, int publishers, CancellationToken cancellationToken)
    {
        var engine = await QueueEngine.OpenAsync(
            new QueueEngineOptions { DataDirectory = directory, MinimumFreeDiskBytes = 0 }, cancellationToken).ConfigureAwait(false);
        return new EngineTopicContender(engine, queues, publishers);
    }

    public override async Task<double> RunAsync(byte[] body, int messages, CancellationToken cancellationToken)
    {
        var run = Guid.NewGuid().ToString("N")[..12];
        var topic = await engine.Topics.CreateAsync(new TopicDefinition { Name = "bench-" + run }, cancellationToken).ConfigureAwait(false);
        var names = Enumerable.Range(0, queues).Select(q => $"bench-{run}-{q}").ToArray();
        try
        {
            for (var q = 0; q < queues; q++)
            {
                await engine.CreateQueueAsync(new QueueDefinition { Name = names[q] }, cancellationToken).ConfigureAwait(false);
                var slots = string.Join(",", SlotsOf(q, queues).Select(s => $"\"{s}\""));
                await topic.SubscribeAsync(
                    new Subscription
                    {
                        Id = Guid.NewGuid(),
                        Protocol = "sqs",
                        Endpoint = names[q],
                        DeliveryQueue = names[q],
                        Confirmed = true,
                        RawMessageDelivery = true,
                        FilterPolicy = $"{{\"slot\":[{slots}]}}",
                    },
                    cancellationToken).ConfigureAwait(false);
            }

            var text = System.Text.Encoding.UTF8.GetString(body);
            var dealer = new Dealer(messages);
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, publishers).Select(_ => PublishAsync(topic, text, dealer, cancellationToken))).ConfigureAwait(false);
            var seconds = clock.Elapsed.TotalSeconds;
            // Answered publishes are durable in the topic's journal; each queue shows them once its own fsync follows.
            var deadline = Stopwatch.StartNew();
            for (var q = 0; q < queues; q++)
            {
                long held;
                while ((held = engine.TryGetQueue(names[q], out var queue) ? queue.GetCounts().Visible : -1) != ExpectedIn(q, queues, messages))
                {
                    if (deadline.Elapsed > TimeSpan.FromSeconds(30))
                    {
                        throw new InvalidOperationException($"Queue {q} holds {held} messages; the filters select {ExpectedIn(q, queues, messages)}.");
                    }

                    await Task.Delay(10, cancellationToken).ConfigureAwait(false);
                }
            }

            return seconds;
        }
        finally
        {
            await engine.Topics.DeleteAsync(topic.Name, CancellationToken.None).ConfigureAwait(false);
            foreach (var name in names)
            {
                await engine.DeleteQueueAsync(name, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    public override ValueTask DisposeAsync() => engine.DisposeAsync();

    private async Task PublishAsync(Messaging.Topics.Topic topic, string body, Dealer dealer, CancellationToken cancellationToken)
    {
        await Task.Yield();
        while (dealer.TryTake(out var index))
        {
            var slot = (index % queues).ToString(CultureInfo.InvariantCulture);
            await topic.PublishAsync(
                new TopicMessage(body) { Attributes = new Dictionary<string, MessageAttributeValue> { ["slot"] = new("String", slot) } },
                cancellationToken).ConfigureAwait(false);
        }
    }
}
