using System.Text;

namespace Spillway.Messaging.Tests;

/// <summary>Compaction with a long-lived message at the head: disk use follows the live messages.</summary>
public sealed class CompactionTests : EngineTestBase
{
    private const int Segment = 64 * 1024;

    protected override long SegmentSize => Segment;

    protected override long BodyCacheBytes => 0;

    [Fact]
    public async Task Disk_use_stays_bounded_behind_a_message_in_flight_for_hours()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "pinned" });
        await Send(queue, "in-flight");
        var pinned = Assert.Single(await Receive(queue, visibility: TimeSpan.FromHours(12)));
        await queue.SendBatchAsync([Message("delayed", TimeSpan.FromMinutes(15))]);

        // 2 MB of traffic (about 30 segments) flows past the two long-lived messages.
        var body = new string('x', 1000);
        long largest = 0;
        for (var round = 0; round < 200; round++)
        {
            await Send(queue, [.. Enumerable.Range(0, 10).Select(i => $"{round}-{i}-{body}")]);
            var received = await Receive(queue, max: 10);
            Assert.Equal(10, received.Count);
            Assert.All(await queue.DeleteBatchAsync([.. received.Select(m => m.ReceiptHandle)]), Assert.True);
            largest = Math.Max(largest, SegmentBytes("pinned"));
        }

        await queue.CompactNowAsync();
        await WaitFor(() => SegmentBytes("pinned") <= 3 * Segment, "the compacted segments were not deleted");

        // Compaction runs in the background, so a few segments may wait for it; never the whole history.
        Assert.True(largest <= 10 * Segment, $"the log reached {largest} bytes behind the pinned head");
        Assert.True(queue.ChangeVisibility(pinned.ReceiptHandle, TimeSpan.Zero), "the relocated message lost its receipt handle");
        var again = Assert.Single(await Receive(queue));
        Assert.Equal("in-flight", Text(again));
        Assert.Equal(2, again.ReceiveCount);

        await CrashAndRestart();
        Assert.Equal(["delayed", "in-flight"], Queue("pinned").Peek(100).Select(p => Encoding.UTF8.GetString(p.Body.Span)).Order());
        var afterRestart = Assert.Single(await Receive(Queue("pinned"), visibility: TimeSpan.FromHours(1)));
        Assert.Equal("in-flight", Text(afterRestart));
        Assert.InRange(afterRestart.ReceiveCount, 2, 3); // the last receive count was bookkeeping, not awaited
        Clock.Advance(TimeSpan.FromMinutes(15));
        Assert.Equal("delayed", Text(Assert.Single(await Receive(Queue("pinned")))));
    }

    [Fact]
    public async Task Index_memory_stays_bounded_behind_a_message_in_flight_for_hours()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "index" });
        await Send(queue, "in-flight");
        Assert.Single(await Receive(queue, visibility: TimeSpan.FromHours(12)));
        for (var round = 0; round < 400; round++)
        {
            await Send(queue, [.. Enumerable.Range(0, 100).Select(i => $"{round}-{i}")]);
            var received = await Receive(queue, max: 100);
            Assert.All(await queue.DeleteBatchAsync([.. received.Select(m => m.ReceiptHandle)]), Assert.True);
        }

        // 40,000 messages went by (about 10 chunks of 4,096 slots); the head's chunk and the current ones remain.
        Assert.InRange(queue.IndexChunks, 1, 3);
        Assert.Equal(new QueueCounts(0, 1, 0, Clock.GetUtcNow()), queue.GetCounts());
        Assert.Equal(["in-flight"], queue.Peek(10).Select(p => Encoding.UTF8.GetString(p.Body.Span)));
        await CrashAndRestart();
        Assert.Equal(["in-flight"], Queue("index").Peek(10).Select(p => Encoding.UTF8.GetString(p.Body.Span)));
        Assert.InRange(Queue("index").IndexChunks, 1, 3);
    }

    [Fact]
    public async Task Relocated_messages_keep_their_order_ids_and_attributes()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "order" });
        var attributes = new Dictionary<string, MessageAttributeValue> { ["kind"] = new("String", "keep") };
        var kept = new List<Guid>();
        var body = new string('y', 1500);
        for (var i = 0; i < 120; i++)
        {
            var keep = i % 20 == 0;
            var sent = await queue.SendBatchAsync([new OutgoingMessage(Encoding.UTF8.GetBytes(keep ? $"keep-{i}" : body))
            {
                Attributes = keep ? attributes : null,
            }]);
            if (keep)
            {
                kept.Add(sent.Messages[0].MessageId);
            }
        }

        var all = await Receive(queue, max: 200, visibility: TimeSpan.FromMinutes(1));
        var dead = all.Where(m => !Text(m).StartsWith("keep-", StringComparison.Ordinal)).ToList();
        await queue.DeleteBatchAsync([.. dead.Select(m => m.ReceiptHandle)]);
        await queue.CompactNowAsync();
        await WaitFor(() => SegmentBytes("order") <= 2 * Segment, "the compacted segments were not deleted");

        await CrashAndRestart();
        var back = await Receive(Queue("order"), max: 100);
        Assert.Equal(kept, back.Select(m => m.MessageId));
        Assert.All(back, m => Assert.Equal("keep", m.Attributes["kind"].StringValue));
        Assert.All(back, m => Assert.Equal(2, m.ReceiveCount));
    }
}
