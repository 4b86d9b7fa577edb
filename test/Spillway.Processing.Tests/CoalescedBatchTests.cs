using System.Collections.Concurrent;
using System.Threading.Channels;
using Spillway.Messaging;
using Spillway.TestKit;
using Spillway.Transport;

namespace Spillway.Processing.Tests;

public sealed class CoalescedBatchTests
{
    [Fact]
    public async Task Waiting_backlog_is_handed_over_in_batches_up_to_the_coalesced_size()
    {
        await using var fixture = await QueueFixture.OpenAsync();
        var queue = await fixture.CreateQueueAsync("backlog");
        await QueueFixture.SendAsync(queue, Enumerable.Range(0, 2_500).Select(n => $$"""{"n":{{n}}}"""));

        var sizes = await DrainAsync(fixture.Receiver(queue), new EventSourceMappingOptions { BatchSize = 100, CoalescedBatchSize = 1_000, MaximumConcurrency = 1 }, 2_500);

        Assert.Equal(1_000, sizes[0]);
        Assert.All(sizes, size => Assert.InRange(size, 1, 1_000));
        Assert.Equal(2_500, sizes.Sum());
        Assert.Equal(0, QueueFixture.Remaining(queue));
    }

    [Fact]
    public async Task Without_a_coalesced_size_no_invocation_exceeds_the_batch_size()
    {
        await using var fixture = await QueueFixture.OpenAsync();
        var queue = await fixture.CreateQueueAsync("plain");
        await QueueFixture.SendAsync(queue, Enumerable.Range(0, 2_500).Select(n => $$"""{"n":{{n}}}"""));

        var sizes = await DrainAsync(fixture.Receiver(queue), new EventSourceMappingOptions { BatchSize = 100, MaximumConcurrency = 1 }, 2_500);

        Assert.All(sizes, size => Assert.InRange(size, 1, 100));
        Assert.Equal(2_500, sizes.Sum());
    }

    [Fact]
    public void Coalesced_size_below_the_batch_size_leaves_invocations_at_the_batch_size()
    {
        var options = new EventSourceMappingOptions { BatchSize = 500, CoalescedBatchSize = 100 };

        Assert.Equal(500, options.MaxMessagesPerInvocation);
        Assert.Throws<ArgumentOutOfRangeException>(() => new EventSourceMappingOptions { CoalescedBatchSize = 10_001 });
        Assert.Equal(100, (options with { Enabled = false }).CoalescedBatchSize);
    }

    // Runs the mapping until every message was handled once; returns the batch sizes in the order they were handed over.
    private static async Task<List<int>> DrainAsync(IQueueReceiver receiver, EventSourceMappingOptions options, int expected)
    {
        var sizes = new ConcurrentQueue<int>();
        var handled = 0;
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateHandler((batch, _) =>
        {
            sizes.Enqueue(batch.Messages.Count);
            if (Interlocked.Add(ref handled, batch.Messages.Count) == expected)
            {
                drained.TrySetResult();
            }

            return ValueTask.FromResult(BatchOutcome.Success);
        });
        await using var mapping = new EventSourceMapping(receiver, handler, options);

        await mapping.StartAsync();
        await drained.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await mapping.StopAsync();
        return [.. sizes];
    }
}
