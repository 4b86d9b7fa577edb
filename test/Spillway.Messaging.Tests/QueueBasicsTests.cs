using Spillway.Storage;

namespace Spillway.Messaging.Tests;

public sealed class QueueBasicsTests : EngineTestBase
{
    [Fact]
    public async Task Sent_messages_are_received_once_with_their_ids_and_attributes()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "orders" });
        var attributes = new Dictionary<string, MessageAttributeValue>
        {
            ["kind"] = new("String", "signup"),
            ["blob"] = new("Binary", null, new byte[] { 1, 2, 3 }),
        };
        var sent = await queue.SendBatchAsync([Message("a") with { Attributes = attributes }, Message("b")]);
        Assert.False(sent.Replayed);
        Assert.Equal(2, sent.Messages.Count);
        Assert.Equal(7, sent.Messages[0].MessageId.Version);

        var received = await Receive(queue);
        Assert.Equal(["a", "b"], received.Select(Text));
        Assert.Equal(sent.Messages.Select(m => m.MessageId), received.Select(m => m.MessageId));
        Assert.Equal(sent.Messages.Select(m => m.SequenceNumber), received.Select(m => m.SequenceNumber));
        Assert.All(received, m => Assert.Equal(1, m.ReceiveCount));
        Assert.Equal("signup", received[0].Attributes["kind"].StringValue);
        Assert.Equal(new byte[] { 1, 2, 3 }, received[0].Attributes["blob"].BinaryValue!.Value.ToArray());
        Assert.Empty(received[1].Attributes);
        Assert.Equal(Clock.GetUtcNow(), received[0].SentTimestamp);
        Assert.Empty(await Receive(queue));

        Assert.Equal([true, true], await queue.DeleteBatchAsync(received.Select(m => m.ReceiptHandle).ToList()));
        Assert.Equal(new QueueCounts(0, 0, 0, null), queue.GetCounts());
    }

    [Fact]
    public async Task After_a_crash_undeleted_messages_come_back_and_deleted_ones_never_do()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "jobs" });
        for (var i = 0; i < 100; i++)
        {
            await Send(queue, $"m{i}");
        }

        var received = await Receive(queue, max: 60);
        var deleted = received.Where((_, i) => i % 2 == 0).ToList();
        await queue.DeleteBatchAsync(deleted.Select(m => m.ReceiptHandle).ToList());

        await CrashAndRestart();
        var all = await Receive(Queue("jobs"), max: 1000);
        var expected = Enumerable.Range(0, 100).Select(i => $"m{i}").Except(deleted.Select(Text)).Order(StringComparer.Ordinal);
        Assert.Equal(expected, all.Select(Text).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Message_is_redelivered_after_its_visibility_timeout_with_a_higher_receive_count()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "work", VisibilityTimeout = TimeSpan.FromSeconds(30) });
        await Send(queue, "x");
        var first = Assert.Single(await Receive(queue));
        Assert.Empty(await Receive(queue));

        Clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(await Receive(queue));
        Assert.Equal(1, queue.GetCounts().InFlight);

        Clock.Advance(TimeSpan.FromSeconds(1));
        var second = Assert.Single(await Receive(queue));
        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Equal(2, second.ReceiveCount);
        Assert.Equal(first.FirstReceiveTimestamp, second.FirstReceiveTimestamp);
        Assert.NotEqual(first.ReceiptHandle, second.ReceiptHandle);

        // The stale handle of the first delivery does not delete the second.
        Assert.Equal([false], await queue.DeleteBatchAsync([first.ReceiptHandle]));
        Assert.Equal(1, queue.GetCounts().InFlight);
        Assert.Equal([true], await queue.DeleteBatchAsync([second.ReceiptHandle]));
        Assert.Equal([true], await queue.DeleteBatchAsync([second.ReceiptHandle]));
        Assert.Equal(0, queue.GetCounts().InFlight);
    }

    [Fact]
    public async Task Receive_visibility_overrides_the_queue_default()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "work" });
        await Send(queue, "x");
        Assert.Single(await Receive(queue, visibility: TimeSpan.FromSeconds(5)));
        Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Single(await Receive(queue));
    }

    [Fact]
    public async Task Change_visibility_extends_the_timeout_and_zero_makes_the_message_visible_at_once()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "work", VisibilityTimeout = TimeSpan.FromSeconds(10) });
        await Send(queue, "x");
        var received = Assert.Single(await Receive(queue));

        Assert.True(queue.ChangeVisibility(received.ReceiptHandle, TimeSpan.FromSeconds(60)));
        Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Empty(await Receive(queue));
        Clock.Advance(TimeSpan.FromSeconds(30));
        var again = Assert.Single(await Receive(queue));

        Assert.False(queue.ChangeVisibility(received.ReceiptHandle, TimeSpan.Zero));
        Assert.True(queue.ChangeVisibility(again.ReceiptHandle, TimeSpan.Zero));
        Assert.False(queue.ChangeVisibility("not-a-handle", TimeSpan.Zero));
        Assert.Equal(3, Assert.Single(await Receive(queue)).ReceiveCount);
    }

    [Fact]
    public async Task Delayed_message_stays_hidden_until_its_delay_passes()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "later", DeliveryDelay = TimeSpan.FromSeconds(10) });
        await queue.SendBatchAsync([Message("queue-delay"), Message("own-delay", TimeSpan.FromSeconds(60)), Message("now", TimeSpan.Zero)]);
        Assert.Equal(new QueueCounts(1, 0, 2, Clock.GetUtcNow()), queue.GetCounts());
        var hour = TimeSpan.FromHours(1);
        Assert.Equal(["now"], (await Receive(queue, visibility: hour)).Select(Text));
        Clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Empty(await Receive(queue, visibility: hour));
        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["queue-delay"], (await Receive(queue, visibility: hour)).Select(Text));
        Clock.Advance(TimeSpan.FromSeconds(50));
        Assert.Equal(["own-delay"], (await Receive(queue, visibility: hour)).Select(Text));
    }

    [Fact]
    public async Task Counts_report_visible_in_flight_delayed_and_the_oldest_sent_time()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "counted" });
        var start = Clock.GetUtcNow();
        await Send(queue, "a", "b", "c");
        Clock.Advance(TimeSpan.FromSeconds(1));
        await queue.SendBatchAsync([Message("d", TimeSpan.FromSeconds(30))]);
        await Receive(queue, max: 2);
        Assert.Equal(new QueueCounts(1, 2, 1, start), queue.GetCounts());
    }

    [Fact]
    public async Task Purge_deletes_every_message_durably()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "purged" });
        await Send(queue, "a", "b");
        await Receive(queue, max: 1);
        await queue.PurgeAsync();
        Assert.Equal(new QueueCounts(0, 0, 0, null), queue.GetCounts());
        await Send(queue, "after");

        await CrashAndRestart();
        Assert.Equal(["after"], (await Receive(Queue("purged"))).Select(Text));
    }

    [Fact]
    public async Task A_purge_while_a_send_waits_for_its_fsync_purges_that_send_too()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "racing" });
        await Send(queue, "before");
        using var gate = new ManualResetEventSlim(false);
        Device.SyncEntered.Reset();
        Device.SyncGate = gate;
        // Big enough that the purge lets the index release the chunk that holds the batch's slots.
        var send = Send(queue, Enumerable.Range(0, 5000).Select(i => $"during-{i}").ToArray());
        Assert.True(Device.SyncEntered.Wait(TimeSpan.FromSeconds(10)));
        var purge = queue.PurgeAsync().AsTask();
        Device.SyncGate = null;
        gate.Set();
        await send;
        await purge;

        Assert.Equal(new QueueCounts(0, 0, 0, null), queue.GetCounts());
        await Send(queue, "after");
        Assert.Equal(["after"], (await Receive(queue)).Select(Text));
    }

    [Fact]
    public async Task Peek_shows_messages_oldest_first_without_receiving_them()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "peeked" });
        await Send(queue, "a", "b", "c");
        var peeked = queue.Peek(2);
        Assert.Equal(["a", "b"], peeked.Select(p => System.Text.Encoding.UTF8.GetString(p.Body.Span)));
        Assert.Equal(3, (await Receive(queue)).Count);
    }

    [Fact]
    public async Task Queue_definitions_survive_a_restart_and_creating_an_existing_queue_returns_it()
    {
        var definition = new QueueDefinition
        {
            Name = "kept",
            VisibilityTimeout = TimeSpan.FromSeconds(45),
            RedrivePolicy = new RedrivePolicy("kept-dlq", 3),
        };
        var created = await Engine.CreateQueueAsync(definition);
        Assert.Same(created, await Engine.CreateQueueAsync(definition));
        await Engine.CreateQueueAsync(new QueueDefinition { Name = "kept-dlq" });

        await CrashAndRestart();
        Assert.Equal(["kept", "kept-dlq"], Engine.ListQueues().Select(q => q.Name));
        Assert.Equal(definition, Queue("kept").Definition);
        Assert.True(await Engine.DeleteQueueAsync("kept-dlq"));
        Assert.False(await Engine.DeleteQueueAsync("kept-dlq"));
        await Restart();
        Assert.Equal(["kept"], Engine.ListQueues().Select(q => q.Name));
    }

    [Fact]
    public async Task A_data_directory_is_opened_by_one_engine_at_a_time()
    {
        var error = await Assert.ThrowsAsync<IOException>(() => OpenEngine().AsTask());
        Assert.Contains("another engine", error.Message);
        await Restart();
        Assert.Empty(Engine.ListQueues());
    }

    [Fact]
    public async Task Bad_requests_are_refused_with_a_clear_error_and_change_nothing()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Engine.CreateQueueAsync(new QueueDefinition { Name = "bad name" }).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => Engine.CreateQueueAsync(new QueueDefinition { Name = "q", VisibilityTimeout = TimeSpan.FromHours(13) }).AsTask());
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "small", MaximumMessageSize = 1024 });
        await Assert.ThrowsAsync<ArgumentException>(() => queue.SendBatchAsync([Message(new string('x', 1025))]).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => queue.SendBatchAsync([]).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => queue.ReceiveAsync(new ReceiveOptions { MaxMessages = 10_001 }).AsTask());
        Assert.Equal([false], await queue.DeleteBatchAsync(["garbage"]));
        Assert.Equal(new QueueCounts(0, 0, 0, null), queue.GetCounts());
    }
}
