using Spillway.Processing.Internal;

namespace Spillway.Processing.Tests;

/// <summary>The run-time concurrency limit an autoscaler moves: it holds invocations below the maximum and can rise.</summary>
public sealed class ConcurrencyLimitTests
{
    [Fact]
    public async Task A_lowered_limit_holds_invocations_below_the_maximum_and_a_raised_one_lets_more_run()
    {
        await using var fixture = await QueueFixture.OpenAsync();
        var queue = await fixture.CreateQueueAsync("limited");
        await QueueFixture.SendAsync(queue, Enumerable.Range(0, 40).Select(n => $$"""{"n":{{n}}}"""));
        var running = 0;
        var peak = 0;
        var handled = 0;
        var firstTwenty = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var threeTogether = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var raised = false;
        var handler = new DelegateHandler(async (batch, ct) =>
        {
            var now = Interlocked.Increment(ref running);
            MappingCounters.RaiseTo(ref peak, now);
            if (Volatile.Read(ref raised))
            {
                // Phase two: wait until three run at once, which only a raised limit allows.
                if (now >= 3)
                {
                    threeTogether.TrySetResult();
                }

                await threeTogether.Task.WaitAsync(ct);
            }
            else
            {
                await Task.Delay(2, ct); // stands for the work, so invocations would overlap if allowed
            }

            Interlocked.Decrement(ref running);
            if (Interlocked.Increment(ref handled) == 20)
            {
                firstTwenty.TrySetResult();
            }

            return BatchOutcome.Success;
        });
        await using var mapping = new EventSourceMapping(fixture.Receiver(queue), handler, new EventSourceMappingOptions { BatchSize = 1, MaximumConcurrency = 4 });
        Assert.Equal(1, mapping.SetConcurrencyLimit(1));

        await mapping.StartAsync();
        await firstTwenty.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, Volatile.Read(ref peak));

        Volatile.Write(ref raised, true);
        Assert.Equal(3, mapping.SetConcurrencyLimit(3));
        await threeTogether.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await mapping.StopAsync();

        Assert.Equal(3, Volatile.Read(ref peak));
        Assert.Equal(3, mapping.ConcurrencyLimit);
    }

    [Fact]
    public async Task The_limit_is_clamped_to_one_and_the_maximum()
    {
        await using var fixture = await QueueFixture.OpenAsync();
        var queue = await fixture.CreateQueueAsync("clamped");
        await using var mapping = new EventSourceMapping(
            fixture.Receiver(queue), new DelegateHandler((_, _) => ValueTask.FromResult(BatchOutcome.Success)), new EventSourceMappingOptions { MaximumConcurrency = 5 });

        Assert.Equal(5, mapping.ConcurrencyLimit);
        Assert.Equal(1, mapping.SetConcurrencyLimit(0));
        Assert.Equal(5, mapping.SetConcurrencyLimit(50));
    }
}
