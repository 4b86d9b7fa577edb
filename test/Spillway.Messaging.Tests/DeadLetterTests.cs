namespace Spillway.Messaging.Tests;

public sealed class DeadLetterTests : EngineTestBase
{
    private async Task<(MessageQueue Source, MessageQueue DeadLetters)> CreatePair(int maxReceiveCount = 3)
    {
        var deadLetters = await Engine.CreateQueueAsync(new QueueDefinition { Name = "orders-dlq" });
        var source = await Engine.CreateQueueAsync(new QueueDefinition
        {
            Name = "orders",
            VisibilityTimeout = TimeSpan.FromSeconds(10),
            RedrivePolicy = new RedrivePolicy("orders-dlq", maxReceiveCount),
        });
        return (source, deadLetters);
    }

    private async Task FailDeliveries(MessageQueue queue, int times)
    {
        for (var i = 0; i < times; i++)
        {
            Assert.Single(await Receive(queue));
            Clock.Advance(TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public async Task Message_moves_to_the_dead_letter_queue_after_max_receive_count()
    {
        var (source, deadLetters) = await CreatePair();
        var sent = await Send(source, "poison");
        await FailDeliveries(source, 3);

        Assert.Empty(await Receive(source));
        Assert.Equal(new QueueCounts(0, 0, 0, null), source.GetCounts());
        var dead = Assert.Single(await Receive(deadLetters));
        Assert.Equal(sent.Messages[0].MessageId, dead.MessageId);
        Assert.Equal("poison", Text(dead));
        Assert.Equal(4, dead.ReceiveCount);

        // Durable on both sides: after a crash it is in the dead-letter queue only.
        await CrashAndRestart();
        Assert.Empty(await Receive(Queue("orders")));
        Assert.Single(Queue("orders-dlq").Peek(10));
    }

    [Fact]
    public async Task Receive_counts_survive_a_restart_so_the_dead_letter_cutoff_holds()
    {
        var (source, _) = await CreatePair(maxReceiveCount: 2);
        await Send(source, "poison");
        await FailDeliveries(source, 2);
        await Restart();

        Assert.Empty(await Receive(Queue("orders")));
        Assert.Single(Queue("orders-dlq").Peek(10));
    }

    [Fact]
    public async Task Redrive_moves_dead_letters_back_to_their_source_queue()
    {
        var (source, deadLetters) = await CreatePair(maxReceiveCount: 1);
        var sent = await Send(source, "a", "b");
        await Receive(source);
        Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Empty(await Receive(source));
        Assert.Equal(2, deadLetters.GetCounts().Visible);

        Assert.Equal(2, await Engine.RedriveAsync("orders-dlq", null, 100));
        Assert.Equal(0, deadLetters.GetCounts().Visible);
        var back = await Receive(source);
        Assert.Equal(sent.Messages.Select(m => m.MessageId).Order(), back.Select(m => m.MessageId).Order());
        Assert.All(back, m => Assert.Equal(1, m.ReceiveCount));

        await CrashAndRestart();
        Assert.Empty(Queue("orders-dlq").Peek(10));
        Assert.Equal(2, Queue("orders").Peek(10).Count);
    }

    [Fact]
    public async Task Redrive_to_another_queue_moves_at_most_the_requested_number()
    {
        var (source, deadLetters) = await CreatePair(maxReceiveCount: 1);
        var other = await Engine.CreateQueueAsync(new QueueDefinition { Name = "replay" });
        await Send(source, "a", "b", "c");
        await Receive(source);
        Clock.Advance(TimeSpan.FromSeconds(10));
        await Receive(source);

        Assert.Equal(2, await Engine.RedriveAsync("orders-dlq", "replay", 2));
        Assert.Equal(2, other.GetCounts().Visible);
        Assert.Equal(1, deadLetters.GetCounts().Visible);
        Assert.Equal(0, source.GetCounts().Visible);
        await Assert.ThrowsAsync<ArgumentException>(() => Engine.RedriveAsync("orders-dlq", "missing", 1).AsTask());
    }
}
