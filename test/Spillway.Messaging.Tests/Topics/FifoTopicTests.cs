using Spillway.Messaging.Topics;

namespace Spillway.Messaging.Tests.Topics;

public sealed class FifoTopicTests : TopicTestBase
{
    [Fact]
    public async Task Every_subscribed_queue_receives_each_group_in_the_same_order_under_concurrent_publishes()
    {
        var topic = await Topics.CreateAsync(new TopicDefinition { Name = "orders.fifo" });
        string[] queues = ["a.fifo", "b.fifo", "c.fifo"];
        foreach (var queue in queues)
        {
            await SubscribeQueue(topic, queue);
        }

        // Four publishers per group at once: the topic decides one order per group, and every queue must hold it.
        var publishers = Enumerable.Range(0, 4).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                foreach (var group in new[] { "g1", "g2" })
                {
                    await topic.PublishAsync(new TopicMessage($"{group}:{p}:{i}") { MessageGroupId = group, MessageDeduplicationId = $"{group}-{p}-{i}" });
                }
            }
        }));
        await Task.WhenAll(publishers);

        var received = new List<List<string>>();
        foreach (var queue in queues)
        {
            received.Add(await DrainFifo(queue));
        }

        Assert.Equal(200, received[0].Count);
        foreach (var group in new[] { "g1:", "g2:" })
        {
            var first = received[0].Where(m => m.StartsWith(group, StringComparison.Ordinal)).ToList();
            Assert.Equal(100, first.Count);
            foreach (var other in received[1..])
            {
                Assert.Equal(first, other.Where(m => m.StartsWith(group, StringComparison.Ordinal)));
            }
        }
    }

    [Fact]
    public async Task A_repeated_deduplication_id_within_five_minutes_answers_the_first_publish_and_delivers_nothing()
    {
        var topic = await Topics.CreateAsync(new TopicDefinition { Name = "dedup.fifo" });
        await SubscribeQueue(topic, "d.fifo");

        var first = await topic.PublishAsync(new TopicMessage("one") { MessageGroupId = "g", MessageDeduplicationId = "x" });
        Clock.Advance(TimeSpan.FromMinutes(4));
        var again = await topic.PublishAsync(new TopicMessage("one again") { MessageGroupId = "g", MessageDeduplicationId = "x" });

        Assert.True(again.Duplicate);
        Assert.Equal(first.MessageId, again.MessageId);
        Assert.Equal(first.SequenceNumber, again.SequenceNumber);
        Assert.Equal(["one"], await DrainFifo("d.fifo"));

        Clock.Advance(TimeSpan.FromMinutes(2));
        var later = await topic.PublishAsync(new TopicMessage("later") { MessageGroupId = "g", MessageDeduplicationId = "x" });
        Assert.False(later.Duplicate);
        Assert.NotEqual(first.MessageId, later.MessageId);
    }

    [Fact]
    public async Task Content_based_deduplication_uses_the_body_and_survives_a_restart()
    {
        var topic = await Topics.CreateAsync(new TopicDefinition { Name = "content.fifo", ContentBasedDeduplication = true });
        await SubscribeQueue(topic, "content-q.fifo");
        var first = await topic.PublishAsync(new TopicMessage("same") { MessageGroupId = "g" });

        await Restart();
        var again = await Topic("content.fifo").PublishAsync(new TopicMessage("same") { MessageGroupId = "h" });

        Assert.True(again.Duplicate);
        Assert.Equal(first.MessageId, again.MessageId);
        Assert.Equal(["same"], await DrainFifo("content-q.fifo"));
    }

    [Fact]
    public async Task Sequence_numbers_are_twenty_digits_and_grow_across_a_restart()
    {
        var topic = await Topics.CreateAsync(new TopicDefinition { Name = "seq.fifo" });
        var numbers = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            numbers.Add((await topic.PublishAsync(new TopicMessage($"m{i}") { MessageGroupId = "g", MessageDeduplicationId = $"d{i}" })).SequenceNumber!);
        }

        await Restart();
        numbers.Add((await Topic("seq.fifo").PublishAsync(new TopicMessage("m3") { MessageGroupId = "g", MessageDeduplicationId = "d3" })).SequenceNumber!);

        Assert.All(numbers, n => Assert.Matches("^[0-9]{20}$", n));
        Assert.Equal(numbers.Order(StringComparer.Ordinal), numbers);
        Assert.Equal(4, numbers.Distinct().Count());
    }

    [Fact]
    public async Task A_FIFO_publish_needs_a_group_and_a_deduplication_id_or_content_deduplication()
    {
        var topic = await Topics.CreateAsync(new TopicDefinition { Name = "rules.fifo" });
        await Assert.ThrowsAsync<ArgumentException>(async () => await topic.PublishAsync(new TopicMessage("m")));
        await Assert.ThrowsAsync<ArgumentException>(async () => await topic.PublishAsync(new TopicMessage("m") { MessageGroupId = "g" }));
        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await topic.PublishAsync(new TopicMessage("m") { MessageGroupId = "g", MessageDeduplicationId = "has space" }));
    }

    private async Task<List<string>> DrainFifo(string queueName)
    {
        // A FIFO queue hands out a group's next message only once the previous one is gone: delete as we go.
        await Settled();
        var all = new List<string>();
        while (true)
        {
            var batch = await Receive(Queue(queueName), max: 10);
            if (batch.Count == 0)
            {
                return all;
            }

            all.AddRange(batch.Select(Text));
            Assert.All(await Queue(queueName).DeleteBatchAsync([.. batch.Select(m => m.ReceiptHandle)]), Assert.True);
        }
    }
}
