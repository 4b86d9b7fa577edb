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
    public async Task Concurrent_sends_share_fsyncs_and_none_is_acknowledged_before_its_own()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "shared" });
        await Send(queue, "first segment exists");
        using var gate = new ManualResetEventSlim(false);
        Device.SyncEntered.Reset();
        Device.SyncGate = gate;
        var held = Send(queue, "held");
        Assert.True(Device.SyncEntered.Wait(TimeSpan.FromSeconds(10)));
        var syncsBefore = Device.FileSyncs;

        var sends = Enumerable.Range(0, 64).Select(i => Send(queue, $"m{i}")).ToList();
        Assert.DoesNotContain(sends.Append(held), t => t.IsCompleted);
        Device.SyncGate = null;
        gate.Set();
        await Task.WhenAll(sends.Append(held));

        // Two groups may be in their fsync at once (the log's ConcurrentSyncs): the 64 sends take one or two fsyncs.
        Assert.InRange(Device.FileSyncs - syncsBefore, 1, 2);
        Assert.Equal(66, queue.GetCounts().Visible);
    }

    [Fact]
    public async Task Flipped_bit_in_an_old_segment_loses_only_that_record_and_is_reported()
    {
        await Engine.DisposeAsync();
        Engine = await QueueEngine.OpenAsync(new QueueEngineOptions
        {
            DataDirectory = DataDirectory, TimeProvider = Clock, Device = Device, MinimumFreeDiskBytes = 0, SegmentSize = 64 * 1024,
        });
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "rotting" });
        var body = new string('r', 500);
        for (var i = 0; i < 300; i++)
        {
            await Send(queue, $"{i:D3}{body}");
        }

        await Restart();
        var directory = Path.Combine(DataDirectory, "queues", "rotting");
        var segments = Directory.GetFiles(directory, "*.seg").Order(StringComparer.Ordinal).ToArray();
        Assert.True(segments.Length >= 2);

        // Flip a bit inside the 11th message's body: its record fails its checksum.
        var bytes = File.ReadAllBytes(segments[0]);
        var marker = System.Text.Encoding.UTF8.GetBytes("010" + body[..20]);
        var at = bytes.AsSpan().IndexOf(marker);
        Assert.True(at > 0);
        Storage.Tests.FaultInjectingDevice.FlipBit(segments[0], at + 100, 2);

        await Restart();
        var restored = Queue("rotting");
        Assert.Single(restored.Recovery.Corruptions);
        var texts = restored.Peek(1000).Select(p => System.Text.Encoding.UTF8.GetString(p.Body.Span)[..3]).ToList();
        Assert.Equal(Enumerable.Range(0, 300).Where(i => i != 10).Select(i => $"{i:D3}"), texts);
    }

    [Fact]
    public async Task Expired_messages_are_not_delivered()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "short", MessageRetentionPeriod = TimeSpan.FromMinutes(1) });
        await Send(queue, "old");
        Clock.Advance(TimeSpan.FromSeconds(30));
        await Send(queue, "young");
        Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(1, queue.GetCounts().Visible);
        Assert.Equal(["young"], (await Receive(queue)).Select(Text));
        await Send(queue, "flush");

        await CrashAndRestart();
        Assert.Equal(["young", "flush"], (await Receive(Queue("short"), visibility: TimeSpan.Zero)).Select(Text));
    }

    [Fact]
    public async Task A_receipt_handle_from_before_a_restart_no_longer_deletes_and_the_message_is_redelivered()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "restarted" });
        await Send(queue, "x");
        var before = Assert.Single(await Receive(queue));
        await Restart();

        var restarted = Queue("restarted");
        Assert.Equal([false], await restarted.DeleteBatchAsync([before.ReceiptHandle]));
        var after = Assert.Single(await Receive(restarted));
        Assert.Equal(before.MessageId, after.MessageId);
        Assert.Equal(2, after.ReceiveCount);
        Assert.Equal([true], await restarted.DeleteBatchAsync([after.ReceiptHandle]));
    }
}
