namespace Spillway.Messaging.Tests;

public sealed class FifoReceiveAttemptTests : FifoTestBase
{
    private static ReceiveOptions Attempt(string id, int max = 10) => new() { MaxMessages = max, ReceiveRequestAttemptId = id };

    [Fact]
    public async Task A_retried_receive_returns_the_same_messages_and_receipt_handles()
    {
        var queue = await CreateFifo();
        await queue.SendBatchAsync([Fifo("a1", "A"), Fifo("b1", "B"), Fifo("a2", "A")]);

        var first = await queue.ReceiveAsync(Attempt("try-1", max: 2));
        Assert.Equal(["a1", "b1"], first.Select(Text));

        Clock.Advance(TimeSpan.FromSeconds(20));
        var retry = await queue.ReceiveAsync(Attempt("try-1", max: 2));
        Assert.Equal(first.Select(m => (m.MessageId, m.ReceiptHandle)), retry.Select(m => (m.MessageId, m.ReceiptHandle)));

        // The retry restarted the visibility timeout: 20 s later the messages are still in flight.
        Clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Empty(await Receive(queue));
        Assert.Equal(2, queue.GetCounts().InFlight);

        // A different attempt id is a new receive.
        Assert.Empty(await queue.ReceiveAsync(Attempt("try-2")));
        Assert.Equal([true, true], await queue.DeleteBatchAsync(retry.Select(m => m.ReceiptHandle).ToList()));
    }

    [Fact]
    public async Task A_retry_after_a_delete_or_a_visibility_change_is_a_new_receive()
    {
        var queue = await CreateFifo();
        await queue.SendBatchAsync([Fifo("a1", "A"), Fifo("a2", "A"), Fifo("b1", "B")]);

        var first = await queue.ReceiveAsync(Attempt("try", max: 1));
        await DeleteAll(queue, first);
        var afterDelete = await queue.ReceiveAsync(Attempt("try", max: 1));
        Assert.Equal(["a2"], afterDelete.Select(Text));

        Assert.True(queue.ChangeVisibility(afterDelete[0].ReceiptHandle, TimeSpan.FromSeconds(100)));
        var afterChange = await queue.ReceiveAsync(Attempt("try", max: 1));
        Assert.Equal(["b1"], afterChange.Select(Text));
    }

    [Fact]
    public async Task An_attempt_id_is_forgotten_after_5_minutes()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition
        {
            Name = "long.fifo",
            FifoQueue = true,
            VisibilityTimeout = TimeSpan.FromMinutes(10),
        });
        await queue.SendBatchAsync([Fifo("a1", "A"), Fifo("b1", "B")]);
        var first = await queue.ReceiveAsync(Attempt("try", max: 1));
        Assert.Equal(["a1"], first.Select(Text));

        Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(["b1"], (await queue.ReceiveAsync(Attempt("try", max: 1))).Select(Text));
    }

    [Fact]
    public async Task An_invalid_attempt_id_is_refused()
    {
        var queue = await CreateFifo();
        await Assert.ThrowsAsync<ArgumentException>(() => queue.ReceiveAsync(Attempt("has space")).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => queue.ReceiveAsync(Attempt(new string('a', 129))).AsTask());
    }
}
