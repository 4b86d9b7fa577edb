using System.Text;
using Spillway.Messaging;
using Spillway.Processing;
using Spillway.TestKit;
using Spillway.Transport;

namespace Spillway.EndToEnd.Tests.Operations;

/// <summary>The autoscaler's control law, on a real queue and an injected clock: no sleeps.</summary>
public sealed class AutoscalerTests : IAsyncDisposable
{
    private static readonly AutoscalingSettings Settings = new(
        Minimum: 1, Maximum: 8, TargetOldestMessageAge: TimeSpan.FromSeconds(10), Interval: TimeSpan.FromSeconds(5),
        MaxBatchLatency: TimeSpan.FromSeconds(10));

    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-autoscale-");
    private readonly ManualTimeProvider time = new();
    private QueueEngine? engine;

    [Fact]
    public async Task Concurrency_rises_toward_the_maximum_under_a_backlog_and_falls_back_to_the_minimum_after()
    {
        engine = await QueueEngine.OpenAsync(new QueueEngineOptions { DataDirectory = work.FullName, TimeProvider = time });
        var queue = await engine.CreateQueueAsync(new QueueDefinition { Name = "scaled" });
        var transport = new EmbeddedTransport(engine);
        await using var worker = new Worker(
            "scaled", transport, "scaled", new NoHandler(), new EventSourceMappingOptions { MaximumConcurrency = 8 });
        using var autoscaler = new WorkerAutoscaler(worker, Settings, transport.Admin, time);
        autoscaler.Start();
        Assert.Equal(1, worker.ConcurrencyLimit);

        await queue.SendBatchAsync([.. Enumerable.Range(0, 100).Select(i => new OutgoingMessage(Encoding.UTF8.GetBytes($"{{\"n\":{i}}}")))]);
        var limits = new List<int>();
        for (var step = 0; step < 8; step++)
        {
            time.Advance(Settings.Interval);
            limits.Add(worker.ConcurrencyLimit);
        }

        // Held while the oldest message is within its 10 s target, then ×1.5 (at least +1) per decision, capped at 8.
        Assert.Equal([1, 1, 2, 3, 4, 6, 8, 8], limits);
        Assert.Equal("backlog behind target", autoscaler.LastReason);

        var received = await queue.ReceiveAsync(new ReceiveOptions { MaxMessages = 100, WaitTime = TimeSpan.Zero });
        await queue.DeleteBatchAsync([.. received.Select(m => m.ReceiptHandle)]);
        limits.Clear();
        for (var step = 0; step < 9; step++)
        {
            time.Advance(Settings.Interval);
            limits.Add(worker.ConcurrencyLimit);
        }

        Assert.Equal([7, 6, 5, 4, 3, 2, 1, 1, 1], limits);
        Assert.Equal("backlog within target", autoscaler.LastReason);
    }

    [Fact]
    public void A_slow_sink_steps_concurrency_down_even_with_a_backlog_and_an_unreachable_one_drops_it_to_the_minimum()
    {
        var behind = new ScalingObservation(1000, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1), SinkUnavailable: false);
        Assert.Equal(8, ConcurrencyControl.Decide(6, behind, Settings).Next);

        var slow = behind with { LastBatchLatency = TimeSpan.FromSeconds(30) };
        Assert.Equal((6, "sink slow"), ConcurrencyControl.Decide(8, slow, Settings));
        Assert.Equal(1, ConcurrencyControl.Decide(1, slow, Settings).Next);

        Assert.Equal((1, "sink unavailable"), ConcurrencyControl.Decide(8, behind with { SinkUnavailable = true }, Settings));
    }

    [Fact]
    public void A_backlog_between_half_the_target_and_the_target_holds_the_current_concurrency()
    {
        var near = new ScalingObservation(10, TimeSpan.FromSeconds(7), TimeSpan.Zero, SinkUnavailable: false);

        Assert.Equal((4, "holding"), ConcurrencyControl.Decide(4, near, Settings));
        Assert.Equal(3, ConcurrencyControl.Decide(4, near with { OldestMessageAge = TimeSpan.FromSeconds(4) }, Settings).Next);
    }

    public async ValueTask DisposeAsync()
    {
        if (engine is not null)
        {
            await engine.DisposeAsync();
        }

        work.Delete(recursive: true);
    }

    private sealed class NoHandler : IMessageHandler
    {
        public ValueTask<BatchOutcome> HandleAsync(MessageBatch batch, CancellationToken cancellationToken) =>
            ValueTask.FromResult(BatchOutcome.Success);
    }
}
