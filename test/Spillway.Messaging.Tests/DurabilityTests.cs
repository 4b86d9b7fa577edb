using Spillway.Storage;

namespace Spillway.Messaging.Tests;

public sealed class DurabilityTests : EngineTestBase
{
    [Fact]
    public async Task Idempotency_key_replay_returns_the_original_ids_even_after_a_restart()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "ingest" });
        var first = await queue.SendBatchAsync([Message("a"), Message("b")], "req-1");
        var again = await queue.SendBatchAsync([Message("a"), Message("b")], "req-1");
        Assert.True(again.Replayed);
        Assert.Equal(first.Messages, again.Messages);

        await CrashAndRestart();
        var afterRestart = await Queue("ingest").SendBatchAsync([Message("a"), Message("b")], "req-1");
        Assert.True(afterRestart.Replayed);
        Assert.Equal(first.Messages, afterRestart.Messages);
        Assert.Equal(2, Queue("ingest").GetCounts().Visible);

        Clock.Advance(TimeSpan.FromHours(24));
        Assert.False((await Queue("ingest").SendBatchAsync([Message("a")], "req-1")).Replayed);
    }

    [Fact]
    public async Task Concurrent_sends_with_the_same_key_store_once()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "ingest" });
        var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => queue.SendBatchAsync([Message("x")], "same").AsTask()));
        Assert.Single(results, r => !r.Replayed);
        Assert.All(results, r => Assert.Equal(results[0].Messages, r.Messages));
        Assert.Equal(1, queue.GetCounts().Visible);
    }

    [Fact]
    public async Task A_batch_torn_by_a_crash_leaves_none_of_its_messages()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "batch" });
        await Send(queue, "before");
        Device.TearNextWriteAfter = 60;
        await Assert.ThrowsAsync<StorageFaultedException>(() => Send(queue, "one", "two", "three"));

        await CrashAndRestart();
        Assert.Equal(["before"], (await Receive(Queue("batch"))).Select(Text));
        Assert.Equal(60, Queue("batch").Recovery.TruncatedBytes);
    }

    [Fact]
    public async Task Failing_fsync_stops_the_engine_and_a_restart_recovers_acknowledged_messages()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "fragile" });
        await Send(queue, "acknowledged");
        Device.FailSyncs = true;
        await Assert.ThrowsAsync<StorageFaultedException>(() => Send(queue, "lost"));
        Device.FailSyncs = false;
        await Assert.ThrowsAsync<StorageFaultedException>(() => Send(queue, "refused"));
        Assert.False(Engine.Status.Writable);
        Assert.Contains("I/O failure", Engine.Status.Reason);

        await CrashAndRestart();
        var texts = (await Receive(Queue("fragile"))).Select(Text).ToList();
        Assert.Contains("acknowledged", texts);
        Assert.DoesNotContain("refused", texts);
        Assert.True(Engine.Status.Writable);
    }

    [Fact]
    public async Task Full_disk_refuses_sends_while_receives_and_deletes_go_on()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "full" });
        await Send(queue, "a", "b");
        Device.FreeBytes = 1024;
        var status = Engine.Status;
        Assert.False(status.Writable);
        Assert.Equal(1024, status.FreeBytes);
        Assert.Contains("disk nearly full", status.Reason);

        await Assert.ThrowsAsync<StorageFullException>(() => Send(queue, "c"));
        var received = await Receive(queue);
        Assert.Equal(2, received.Count);
        Assert.Equal([true, true], await queue.DeleteBatchAsync(received.Select(m => m.ReceiptHandle).ToList()));

        Device.FreeBytes = 100L * 1024 * 1024 * 1024;
        Assert.True(Engine.Status.Writable);
        await Send(queue, "c");
        await CrashAndRestart();
        Assert.Equal(["c"], (await Receive(Queue("full"))).Select(Text));
    }

    [Fact]
    public async Task Expired_messages_are_not_delivered()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "short", MessageRetentionPeriod = TimeSpan.FromMinutes(1) });
        await Send(queue, "old");
        Clock.Advance(TimeSpan.FromSeconds(30));
        await Send(queue, "young");
        Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(["young"], (await Receive(queue)).Select(Text));
    }
}
