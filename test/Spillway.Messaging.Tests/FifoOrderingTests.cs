namespace Spillway.Messaging.Tests;

public sealed class FifoOrderingTests : FifoTestBase
{
    [Fact]
    public async Task Order_within_a_group_holds_across_many_sends_and_receives()
    {
        var queue = await CreateFifo();
        var expected = Enumerable.Range(0, 300).Select(i => $"m{i:D3}").ToArray();
        foreach (var chunk in expected.Chunk(7))
        {
            await SendFifo(queue, "g", chunk);
        }

        var got = new List<string>();
        var sizes = new[] { 1, 3, 10, 2, 25 };
        for (var round = 0; got.Count < expected.Length; round++)
        {
            var batch = await Receive(queue, sizes[round % sizes.Length]);
            Assert.NotEmpty(batch);
            got.AddRange(batch.Select(Text));
            Assert.All(batch, m => Assert.Equal("g", m.MessageGroupId));
            Assert.Equal(batch.Select(m => m.SequenceNumber).Order(), batch.Select(m => m.SequenceNumber));
            await DeleteAll(queue, batch);
        }

        Assert.Equal(expected, got);
    }

    [Fact]
    public async Task A_group_is_held_while_a_message_is_in_flight_and_released_by_delete()
    {
        var queue = await CreateFifo();
        await SendFifo(queue, "g", "a1", "a2", "a3");

        var first = Assert.Single(await Receive(queue, 1));
        Assert.Equal("a1", Text(first));
        Assert.Empty(await Receive(queue)); // a2 is visible, but its group has a1 in flight
        Assert.Equal(new QueueCounts(2, 1, 0, first.SentTimestamp), queue.GetCounts());

        await DeleteAll(queue, [first]);
        Assert.Equal(["a2", "a3"], await ReceiveTexts(queue));
    }

    [Fact]
    public async Task A_group_is_released_after_the_visibility_timeout_and_the_redelivery_comes_first()
    {
        var queue = await CreateFifo();
        await SendFifo(queue, "g", "a1", "a2");

        var first = Assert.Single(await Receive(queue, 1));
        Clock.Advance(Visibility - TimeSpan.FromMilliseconds(1));
        Assert.Empty(await Receive(queue));

        Clock.Advance(TimeSpan.FromMilliseconds(1));
        var again = await Receive(queue);
        Assert.Equal(["a1", "a2"], again.Select(Text));
        Assert.Equal(first.MessageId, again[0].MessageId);
        Assert.Equal(2, again[0].ReceiveCount);
        Assert.Equal([false], await queue.DeleteBatchAsync([first.ReceiptHandle])); // the old handle is stale
    }

    [Fact]
    public async Task A_visibility_change_to_zero_releases_the_group()
    {
        var queue = await CreateFifo();
        await SendFifo(queue, "g", "a1", "a2");
        var first = Assert.Single(await Receive(queue, 1));
        Assert.Empty(await Receive(queue));

        Assert.True(queue.ChangeVisibility(first.ReceiptHandle, TimeSpan.Zero));
        Assert.Equal(["a1", "a2"], await ReceiveTexts(queue));
    }

    [Fact]
    public async Task Several_groups_interleave_and_each_keeps_its_order()
    {
        var queue = await CreateFifo();
        await queue.SendBatchAsync([Fifo("a1", "A"), Fifo("b1", "B"), Fifo("a2", "A"), Fifo("c1", "C"), Fifo("b2", "B")]);

        // A receive takes from several groups in sequence order.
        var firstTwo = await Receive(queue, 2);
        Assert.Equal(["a1", "b1"], firstTwo.Select(Text));

        // A and B are held: only C is available.
        var c = await Receive(queue);
        Assert.Equal(["c1"], c.Select(Text));
        Assert.Empty(await Receive(queue));

        await DeleteAll(queue, [firstTwo[1]]);
        Assert.Equal(["b2"], await ReceiveTexts(queue));
        await DeleteAll(queue, [firstTwo[0]]);
        Assert.Equal(["a2"], await ReceiveTexts(queue));
    }

    [Fact]
    public async Task A_long_poll_waiting_on_a_held_group_wakes_when_the_message_in_flight_is_deleted()
    {
        var queue = await CreateFifo();
        await SendFifo(queue, "g", "a1", "a2");
        var first = Assert.Single(await Receive(queue, 1));

        var waiting = queue.ReceiveAsync(new ReceiveOptions { MaxMessages = 10, WaitTime = TimeSpan.FromSeconds(20) }).AsTask();
        Assert.False(waiting.IsCompleted);
        await DeleteAll(queue, [first]);
        var got = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["a2"], got.Select(Text));
    }

    [Fact]
    public async Task A_restart_keeps_order_and_groups_in_flight_come_back()
    {
        var queue = await CreateFifo();
        await queue.SendBatchAsync([Fifo("a1", "A"), Fifo("b1", "B"), Fifo("a2", "A")]);
        var inFlight = await Receive(queue, 1);
        Assert.Equal(["a1"], inFlight.Select(Text));

        await CrashAndRestart();
        queue = Queue("orders.fifo");
        Assert.True(queue.Definition.FifoQueue);
        var all = await Receive(queue);
        Assert.Equal(["a1", "b1", "a2"], all.Select(Text));
        Assert.Equal(["A", "B", "A"], all.Select(m => m.MessageGroupId));
        Assert.Equal(["a1", "b1", "a2"], all.Select(m => m.MessageDeduplicationId));
        Assert.Empty(await Receive(queue));

        // Groups stay held after the restart too: delete b1 only, and only B's next message would come (none).
        await DeleteAll(queue, [all[1]]);
        Assert.Empty(await Receive(queue));
        await Restart();
        Assert.Equal(["a1", "a2"], await ReceiveTexts(Queue("orders.fifo")));
    }

    [Fact]
    public async Task Dead_letter_moves_keep_the_group_order()
    {
        await CreateFifo("orders-dlq.fifo");
        var queue = await CreateFifo(redrive: new RedrivePolicy("orders-dlq.fifo", 2));
        await queue.SendBatchAsync([Fifo("a1", "A"), Fifo("a2", "A"), Fifo("b1", "B"), Fifo("a3", "A")]);

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(4, (await Receive(queue)).Count);
            Clock.Advance(Visibility);
        }

        for (var i = 0; i < 4 && queue.GetCounts().Visible > 0; i++)
        {
            Assert.Empty(await Receive(queue)); // each receive moves what is past the limit; nothing is handed out
        }

        Assert.Equal(new QueueCounts(0, 0, 0, null), queue.GetCounts());
        var dead = await Receive(Queue("orders-dlq.fifo"));
        Assert.Equal(["a1", "b1", "a2", "a3"], dead.Select(Text));
        Assert.Equal(["A", "B", "A", "A"], dead.Select(m => m.MessageGroupId));

        // A redrive back to the source keeps the order and the groups too.
        Assert.All(dead, m => Assert.True(Queue("orders-dlq.fifo").ChangeVisibility(m.ReceiptHandle, TimeSpan.Zero)));
        Assert.Equal(4, await Engine.RedriveAsync("orders-dlq.fifo", null, 100));
        var back = await Receive(queue);
        Assert.Equal(["a1", "b1", "a2", "a3"], back.Select(Text));
        Assert.Equal(["A", "B", "A", "A"], back.Select(m => m.MessageGroupId));
    }
}
