namespace Spillway.Messaging.Tests;

/// <summary>FIFO send quota (<see cref="QueueEngineOptions.FifoSendRateLimit"/>), per queue or per message group.</summary>
public sealed class FifoThroughputTests : FifoTestBase
{
    protected override double? FifoSendRateLimit => 10;

    private Task<MessageQueue> CreatePerGroup() => Engine.CreateQueueAsync(new QueueDefinition
    {
        Name = "groups.fifo",
        FifoQueue = true,
        DeduplicationScope = DeduplicationScope.MessageGroup,
        FifoThroughputLimit = FifoThroughputLimit.PerMessageGroupId,
    }).AsTask();

    [Fact]
    public async Task A_send_over_the_per_queue_quota_is_refused_and_stores_nothing_until_the_clock_refills_it()
    {
        var queue = await CreateFifo();
        await SendFifo(queue, "a", [.. Enumerable.Range(0, 5).Select(i => $"a{i}")]);
        await SendFifo(queue, "b", [.. Enumerable.Range(0, 5).Select(i => $"b{i}")]);

        var refused = await Assert.ThrowsAsync<QueueThrottledException>(async () => await SendFifo(queue, "c", "c0"));
        Assert.Equal(TimeSpan.FromMilliseconds(100), refused.RetryAfter);
        Assert.Equal(10, queue.GetCounts().Visible);

        Clock.Advance(TimeSpan.FromMilliseconds(99));
        await Assert.ThrowsAsync<QueueThrottledException>(async () => await SendFifo(queue, "c", "c0"));
        Clock.Advance(TimeSpan.FromMilliseconds(1));
        await SendFifo(queue, "c", "c0");
        Assert.Equal(11, queue.GetCounts().Visible);
    }

    [Fact]
    public async Task The_per_group_quota_holds_each_group_back_on_its_own()
    {
        var queue = await CreatePerGroup();
        await SendFifo(queue, "busy", [.. Enumerable.Range(0, 10).Select(i => $"busy{i}")]);
        await Assert.ThrowsAsync<QueueThrottledException>(async () => await SendFifo(queue, "busy", "busy10"));

        // Another group has its own quota, and a batch touching the exhausted group is refused whole.
        await SendFifo(queue, "quiet", [.. Enumerable.Range(0, 10).Select(i => $"quiet{i}")]);
        await Assert.ThrowsAsync<QueueThrottledException>(async () =>
            await queue.SendBatchAsync([Fifo("other0", "other"), Fifo("busy11", "busy")]));
        Assert.Equal(20, queue.GetCounts().Visible);

        Clock.Advance(TimeSpan.FromSeconds(1));
        await queue.SendBatchAsync([Fifo("other0", "other"), Fifo("busy11", "busy")]);
        Assert.Equal(22, queue.GetCounts().Visible);
    }

    [Fact]
    public async Task A_batch_larger_than_one_second_of_quota_is_always_refused()
    {
        var queue = await CreateFifo();
        var refused = await Assert.ThrowsAsync<QueueThrottledException>(
            async () => await SendFifo(queue, "a", [.. Enumerable.Range(0, 11).Select(i => $"a{i}")]));
        Assert.Equal(TimeSpan.MaxValue, refused.RetryAfter);
        Assert.Contains("send fewer", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, queue.GetCounts().Visible);
    }

    [Fact]
    public async Task Changing_the_throughput_limit_changes_the_scope_of_the_quota()
    {
        var queue = await CreatePerGroup();
        await SendFifo(queue, "a", [.. Enumerable.Range(0, 10).Select(i => $"a{i}")]);
        await SendFifo(queue, "b", "b0"); // per group: b has its own quota

        await Engine.SetQueueAttributesAsync("groups.fifo", d => d with { FifoThroughputLimit = FifoThroughputLimit.PerQueue });
        await SendFifo(queue, "c", [.. Enumerable.Range(0, 10).Select(i => $"c{i}")]);
        await Assert.ThrowsAsync<QueueThrottledException>(async () => await SendFifo(queue, "d", "d0"));
    }

    [Fact]
    public async Task Standard_queues_and_dead_letter_moves_are_not_throttled()
    {
        var standard = await Engine.CreateQueueAsync(new QueueDefinition { Name = "plain" });
        await standard.SendBatchAsync([.. Enumerable.Range(0, 100).Select(i => Message($"m{i}"))]);
        Assert.Equal(100, standard.GetCounts().Visible);
    }

    [Fact]
    public void The_quota_is_validated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new QueueEngineOptions { DataDirectory = "x", FifoSendRateLimit = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new QueueEngineOptions { DataDirectory = "x", FifoSendRateLimit = double.NaN });
        Assert.Null(new QueueEngineOptions { DataDirectory = "x" }.FifoSendRateLimit);
    }

    [Fact]
    public async Task Per_message_group_limit_needs_message_group_deduplication_also_when_attributes_change()
    {
        await CreatePerGroup();
        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await Engine.SetQueueAttributesAsync(
            "groups.fifo", d => d with { DeduplicationScope = DeduplicationScope.Queue }));
        Assert.Contains("DeduplicationScope", error.Message, StringComparison.Ordinal);
        var queue = await CreateFifo();
        await Assert.ThrowsAsync<ArgumentException>(async () => await Engine.SetQueueAttributesAsync(
            queue.Name, d => d with { FifoThroughputLimit = FifoThroughputLimit.PerMessageGroupId }));
    }
}
