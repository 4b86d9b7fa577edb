using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;
using Spillway.Messaging;
using Spillway.Processing.Internal;
using Spillway.Processing.Tests.Functions;
using Spillway.TestKit;

namespace Spillway.Processing.Tests;

public sealed class EventSourceMappingTests
{
    [Fact]
    public async Task Concurrency_never_exceeds_the_maximum_while_1000_messages_drain()
    {
        await using var fixture = await QueueFixture.OpenAsync();
        var queue = await fixture.CreateQueueAsync("burst");
        for (var i = 0; i < 10; i++)
        {
            await QueueFixture.SendAsync(queue, Enumerable.Range(0, 100).Select(n => $$"""{"n":{{(i * 100) + n}}}"""));
        }

        var seen = new ConcurrentDictionary<Guid, int>();
        var running = 0;
        var maxRunning = 0;
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateHandler(async (batch, ct) =>
        {
            var now = Interlocked.Increment(ref running);
            MappingCounters.RaiseTo(ref maxRunning, now);
            await Task.Delay(2, ct); // stands for the work, so invocations overlap
            foreach (var message in batch.Messages)
            {
                seen.AddOrUpdate(message.MessageId, 1, (_, c) => c + 1);
            }

            Interlocked.Decrement(ref running);
            if (seen.Count == 1000)
            {
                drained.TrySetResult();
            }

            return BatchOutcome.Success;
        });
        await using var mapping = new EventSourceMapping(fixture.Receiver(queue), handler, new EventSourceMappingOptions { BatchSize = 10, MaximumConcurrency = 2 });

        await mapping.StartAsync();
        await drained.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await mapping.StopAsync();

        Assert.InRange(maxRunning, 1, 2);
        Assert.Equal(2, mapping.GetStatistics().PeakConcurrency);
        Assert.All(seen.Values, count => Assert.Equal(1, count));
        Assert.Equal(0, QueueFixture.Remaining(queue));
        Assert.Equal(1000, mapping.GetStatistics().SucceededMessages);
    }

    [Fact]
    public async Task Batching_window_holds_a_partial_batch_until_it_expires()
    {
        var clock = new ManualTimeProvider();
        await using var fixture = await QueueFixture.OpenAsync(clock);
        var queue = await fixture.CreateQueueAsync("window");
        await QueueFixture.SendAsync(queue, "{}", "{}", "{}");
        var batches = Channel.CreateUnbounded<(int Count, DateTimeOffset At)>();
        var windowOpened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateHandler((batch, _) =>
        {
            batches.Writer.TryWrite((batch.Messages.Count, clock.GetUtcNow()));
            return ValueTask.FromResult(BatchOutcome.Success);
        });
        await using var mapping = new EventSourceMapping(fixture.Receiver(queue), handler, new EventSourceMappingOptions
        {
            BatchSize = 10,
            MaximumBatchingWindow = TimeSpan.FromSeconds(60),
            // Longer than the window (as the mapping's start-up warning asks): with the queue's 30 s the three messages
            // would reappear at the same clock step that ends the window, and which timer ran first would decide the
            // batch.
            VisibilityTimeout = TimeSpan.FromMinutes(5),
            TimeProvider = clock,
        })
        {
            WindowOpened = _ => windowOpened.TrySetResult(),
        };
        var start = clock.GetUtcNow();

        await mapping.StartAsync();
        await windowOpened.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(batches.Reader.TryRead(out _));
        clock.Advance(TimeSpan.FromSeconds(60));
        var (count, at) = await batches.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(3, count);
        Assert.True(at - start >= TimeSpan.FromSeconds(60), $"handler ran {at - start} after start");
    }

    // A coalescing mapping takes what one receive finds (6 here), but never holds the window open for its larger size.
    [Theory]
    [InlineData(null, 5)]
    [InlineData(100, 6)]
    public async Task Batching_window_ends_early_once_the_batch_size_is_reached(int? coalescedBatchSize, int handedOver)
    {
        var clock = new ManualTimeProvider();
        await using var fixture = await QueueFixture.OpenAsync(clock);
        var queue = await fixture.CreateQueueAsync("fill");
        await QueueFixture.SendAsync(queue, "{}", "{}");
        var batches = Channel.CreateUnbounded<int>();
        var windowOpened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateHandler((batch, _) =>
        {
            batches.Writer.TryWrite(batch.Messages.Count);
            return ValueTask.FromResult(BatchOutcome.Success);
        });
        await using var mapping = new EventSourceMapping(fixture.Receiver(queue), handler, new EventSourceMappingOptions
        {
            BatchSize = 5,
            CoalescedBatchSize = coalescedBatchSize,
            MaximumBatchingWindow = TimeSpan.FromSeconds(300),
            TimeProvider = clock,
        })
        {
            WindowOpened = _ => windowOpened.TrySetResult(),
        };
        var start = clock.GetUtcNow();

        await mapping.StartAsync();
        await windowOpened.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await QueueFixture.SendAsync(queue, "{}", "{}", "{}", "{}");
        var count = await batches.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(handedOver, count);
        Assert.Equal(start, clock.GetUtcNow());
    }

    [Theory]
    [InlineData("csharp")]
    [InlineData("python")]
    [InlineData("node")]
    public async Task Partially_failed_message_alone_comes_back_and_is_dead_lettered_after_max_receive_count(string kind)
    {
        var clock = new ManualTimeProvider();
        await using var fixture = await QueueFixture.OpenAsync(clock);
        var queue = await fixture.CreateQueueAsync("orders", TimeSpan.FromSeconds(30), maxReceiveCount: 3);
        var dlq = fixture.Queue("orders-dlq");
        await using var function = kind == "csharp" ? null : await FunctionProcess.StartAsync(kind);
        var inner = function is null
            ? new HandlerRegistry().Register("orders", (message, _) =>
                Encoding.UTF8.GetString(message.Body.Span).Contains("fail", StringComparison.Ordinal)
                    ? throw new InvalidDataException("poison")
                    : ValueTask.CompletedTask).Get("orders")
            : new HttpFunctionHandler(new HttpFunctionOptions { Url = function.BaseUrl });
        var receives = new ConcurrentQueue<(Guid Id, int ReceiveCount)>();
        var handler = new RecordingHandler(inner, receives);
        var ids = await QueueFixture.SendAsync(queue, """{"n":1}""", """{"n":2,"fail":true}""", """{"n":3}""", """{"n":4}""");
        var poison = ids[1];
        await using var mapping = new EventSourceMapping(fixture.Receiver(queue), handler, new EventSourceMappingOptions { TimeProvider = clock });

        await mapping.StartAsync();
        await Eventually.AssertAsync(() => mapping.GetStatistics().Batches == 1, "the first batch finished");
        Assert.Equal(1, QueueFixture.Remaining(queue));
        await Eventually.AdvanceUntilAsync(clock, mapping, () => dlq.GetCounts().Visible > 0, TimeSpan.FromSeconds(31));

        await mapping.StopAsync();
        Assert.Equal(poison, Assert.Single(dlq.Peek(10)).MessageId);
        Assert.Equal(0, QueueFixture.Remaining(queue));
        Assert.Equal([1, 2, 3], receives.Where(r => r.Id == poison).Select(r => r.ReceiveCount));
        Assert.All(receives.Where(r => r.Id != poison), r => Assert.Equal(1, r.ReceiveCount));
        Assert.Equal(6, receives.Count);
        (inner as IDisposable)?.Dispose();
    }

    [Fact]
    public async Task Handler_exception_retries_the_whole_batch_after_the_visibility_timeout()
    {
        var clock = new ManualTimeProvider();
        await using var fixture = await QueueFixture.OpenAsync(clock);
        var queue = await fixture.CreateQueueAsync("flaky", TimeSpan.FromSeconds(30), maxReceiveCount: 5);
        var calls = 0;
        var receives = new ConcurrentQueue<(Guid Id, int ReceiveCount)>();
        var handler = new RecordingHandler(
            new DelegateHandler((_, _) => Interlocked.Increment(ref calls) == 1
                ? throw new InvalidOperationException("first call fails")
                : ValueTask.FromResult(BatchOutcome.Success)),
            receives);
        await QueueFixture.SendAsync(queue, "{}", "{}", "{}");
        await using var mapping = new EventSourceMapping(fixture.Receiver(queue), handler, new EventSourceMappingOptions { TimeProvider = clock });

        await mapping.StartAsync();
        await Eventually.AssertAsync(() => mapping.GetStatistics().Batches == 1, "the first batch failed");
        Assert.Equal(3, queue.GetCounts().InFlight);
        await Eventually.AdvanceUntilAsync(clock, mapping, () => mapping.GetStatistics().Batches >= 2, TimeSpan.FromSeconds(31));

        await mapping.StopAsync();
        var statistics = mapping.GetStatistics();
        Assert.Equal(1, statistics.FailedBatches);
        Assert.Equal(3, statistics.SucceededMessages);
        Assert.Equal(0, QueueFixture.Remaining(queue));
        Assert.Equal([1, 1, 1, 2, 2, 2], receives.Select(r => r.ReceiveCount));
    }

    [Fact]
    public async Task Failed_id_not_in_the_batch_fails_the_whole_batch()
    {
        await using var fixture = await QueueFixture.OpenAsync();
        var queue = await fixture.CreateQueueAsync("unknown-id");
        await QueueFixture.SendAsync(queue, "{}", "{}");
        var handler = new DelegateHandler((_, _) => ValueTask.FromResult(new BatchOutcome([Guid.NewGuid()])));
        await using var mapping = new EventSourceMapping(fixture.Receiver(queue), handler);

        await mapping.StartAsync();
        await Eventually.AssertAsync(() => mapping.GetStatistics().Batches >= 1, "the batch finished");
        await mapping.StopAsync();

        Assert.Equal(1, mapping.GetStatistics().FailedBatches);
        Assert.Equal(2, queue.GetCounts().InFlight);
    }

    [Fact]
    public async Task Stop_waits_for_in_flight_batches_and_deletes_them()
    {
        await using var fixture = await QueueFixture.OpenAsync();
        var queue = await fixture.CreateQueueAsync("drain");
        await QueueFixture.SendAsync(queue, "{}", "{}", "{}");
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateHandler(async (_, _) =>
        {
            entered.TrySetResult();
            await release.Task;
            return BatchOutcome.Success;
        });
        var mapping = new EventSourceMapping(fixture.Receiver(queue), handler);

        await mapping.StartAsync();
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var stopping = mapping.StopAsync();
        Assert.False(stopping.IsCompleted);
        Assert.Equal(1, mapping.GetStatistics().CurrentConcurrency);
        release.SetResult();
        await stopping.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(mapping.IsRunning);
        Assert.Equal(0, QueueFixture.Remaining(queue));
        Assert.Equal(3, mapping.GetStatistics().SucceededMessages);
        await mapping.DisposeAsync();
    }

    [Fact]
    public async Task Stop_cut_short_cancels_running_handlers_and_leaves_their_messages_in_the_queue()
    {
        await using var fixture = await QueueFixture.OpenAsync();
        var queue = await fixture.CreateQueueAsync("cut-short");
        await QueueFixture.SendAsync(queue, "{}", "{}", "{}");
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateHandler(async (_, ct) =>
        {
            entered.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return BatchOutcome.Success;
        });
        await using var mapping = new EventSourceMapping(fixture.Receiver(queue), handler);

        await mapping.StartAsync();
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        using var expired = new CancellationTokenSource();
        await expired.CancelAsync();
        await mapping.StopAsync(expired.Token).WaitAsync(TimeSpan.FromSeconds(10));
        await Eventually.AssertAsync(() => mapping.GetStatistics().CurrentConcurrency == 0, "the cancelled handler returned");

        Assert.Equal(3, queue.GetCounts().InFlight);
        Assert.Equal(0, mapping.GetStatistics().SucceededMessages);
    }

    [Fact]
    public async Task Stop_during_a_batching_window_hands_over_what_was_received()
    {
        var clock = new ManualTimeProvider();
        await using var fixture = await QueueFixture.OpenAsync(clock);
        var queue = await fixture.CreateQueueAsync("stop-window");
        await QueueFixture.SendAsync(queue, "{}", "{}");
        var windowOpened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handled = 0;
        var handler = new DelegateHandler((batch, _) =>
        {
            Interlocked.Add(ref handled, batch.Messages.Count);
            return ValueTask.FromResult(BatchOutcome.Success);
        });
        await using var mapping = new EventSourceMapping(fixture.Receiver(queue), handler, new EventSourceMappingOptions
        {
            MaximumBatchingWindow = TimeSpan.FromSeconds(300),
            TimeProvider = clock,
        })
        {
            WindowOpened = _ => windowOpened.TrySetResult(),
        };

        await mapping.StartAsync();
        await windowOpened.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await mapping.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(2, handled);
        Assert.Equal(0, QueueFixture.Remaining(queue));
    }

    [Fact]
    public async Task Disabled_mapping_receives_nothing()
    {
        await using var fixture = await QueueFixture.OpenAsync();
        var queue = await fixture.CreateQueueAsync("disabled");
        await QueueFixture.SendAsync(queue, "{}");
        var handler = new DelegateHandler((_, _) => throw new InvalidOperationException("must not run"));
        await using var mapping = new EventSourceMapping(fixture.Receiver(queue), handler, new EventSourceMappingOptions { Enabled = false });

        await mapping.StartAsync();
        await mapping.StopAsync();

        Assert.False(mapping.IsRunning);
        Assert.Equal(1, queue.GetCounts().Visible);
    }
}

internal sealed class DelegateHandler(Func<MessageBatch, CancellationToken, ValueTask<BatchOutcome>> handle) : IMessageHandler
{
    public ValueTask<BatchOutcome> HandleAsync(MessageBatch batch, CancellationToken cancellationToken) => handle(batch, cancellationToken);
}

/// <summary>Records each message's receive count as handed to the inner handler.</summary>
internal sealed class RecordingHandler(IMessageHandler inner, ConcurrentQueue<(Guid Id, int ReceiveCount)> receives) : IMessageHandler
{
    public ValueTask<BatchOutcome> HandleAsync(MessageBatch batch, CancellationToken cancellationToken)
    {
        foreach (var message in batch.Messages)
        {
            receives.Enqueue((message.MessageId, message.ReceiveCount));
        }

        return inner.HandleAsync(batch, cancellationToken);
    }
}
