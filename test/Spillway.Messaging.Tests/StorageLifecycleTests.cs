namespace Spillway.Messaging.Tests;

public sealed class StorageLifecycleTests : EngineTestBase
{
    protected override long SegmentSize => 64 * 1024;

    protected override long BodyCacheBytes => 0;

    [Fact]
    public async Task Segments_are_deleted_once_every_message_in_them_is_deleted()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "churn" });
        var body = new string('x', 1000);
        for (var i = 0; i < 500; i++)
        {
            await Send(queue, $"{i}:{body}");
        }

        var segmentFiles = Directory.GetFiles(Path.Combine(DataDirectory, "queues", "churn"), "*.seg");
        Assert.True(segmentFiles.Length >= 7, $"{segmentFiles.Length} segments");

        var received = await Receive(queue, max: 500);
        Assert.Equal(500, received.Count);
        await queue.DeleteBatchAsync(received.Select(m => m.ReceiptHandle).ToList());
        await Send(queue, "last"); // the writer deletes dead segments after its next group
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Directory.GetFiles(Path.Combine(DataDirectory, "queues", "churn"), "*.seg").Length > 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "dead segments were not deleted");
            await Task.Delay(10);
        }

        await CrashAndRestart();
        Assert.Equal(["last"], (await Receive(Queue("churn"))).Select(Text));
    }

    [Fact]
    public async Task Idempotency_keys_outlive_the_segment_of_their_messages()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "keys" });
        var original = await queue.SendBatchAsync([Message("keyed")], "k1");
        var filler = new string('y', 2000);
        for (var i = 0; i < 100; i++)
        {
            await Send(queue, filler);
        }

        var all = await Receive(queue, max: 200);
        await queue.DeleteBatchAsync(all.Select(m => m.ReceiptHandle).ToList());
        await Send(queue, "tail");
        var directory = Path.Combine(DataDirectory, "queues", "keys");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Directory.GetFiles(directory, "*.seg").Length > 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "dead segments were not deleted");
            await Task.Delay(10);
        }

        await CrashAndRestart();
        var replay = await Queue("keys").SendBatchAsync([Message("keyed")], "k1");
        Assert.True(replay.Replayed);
        Assert.Equal(original.Messages, replay.Messages);
    }

    [Fact]
    public async Task Bodies_not_in_the_cache_are_read_back_from_the_log()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "cold" });
        var sent = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            var batch = Enumerable.Range(0, 5).Select(j => $"{i}-{j}-" + new string('z', i * 10)).ToArray();
            sent.AddRange(batch);
            await Send(queue, batch);
        }

        var received = await Receive(queue, max: 1000);
        Assert.Equal(sent, received.Select(Text));
    }
}
