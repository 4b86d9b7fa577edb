namespace Spillway.Messaging.Tests;

public sealed class IdempotencyLimitTests : EngineTestBase
{
    protected override int MaxIdempotencyKeys => 2;

    [Fact]
    public async Task Past_the_key_limit_the_oldest_key_is_forgotten_first()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "keys" });
        await queue.SendBatchAsync([Message("a")], "k1");
        await queue.SendBatchAsync([Message("b")], "k2");
        await queue.SendBatchAsync([Message("c")], "k3");

        Assert.True((await queue.SendBatchAsync([Message("c")], "k3")).Replayed);
        Assert.True((await queue.SendBatchAsync([Message("b")], "k2")).Replayed);
        Assert.False((await queue.SendBatchAsync([Message("a")], "k1")).Replayed);
    }

    [Fact]
    public async Task An_oversized_batch_is_refused_before_anything_is_stored()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "big" });
        var megabyte = new OutgoingMessage(new byte[1024 * 1024]);
        var error = await Assert.ThrowsAsync<ArgumentException>(
            () => queue.SendBatchAsync(Enumerable.Repeat(megabyte, 49).ToList()).AsTask());
        Assert.Contains("at most", error.Message);
        Assert.Equal(0, queue.GetCounts().Visible);
    }
}
