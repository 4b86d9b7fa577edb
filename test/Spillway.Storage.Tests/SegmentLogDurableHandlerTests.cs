using System.Collections.Concurrent;
using System.Text;

namespace Spillway.Storage.Tests;

/// <summary>The durable handler: told of each group commit before the group's appenders, never ahead of the fsync.</summary>
public sealed class SegmentLogDurableHandlerTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly TempDirectory temp = new();
    private readonly SteppedSyncDevice device = new();

    public void Dispose() => temp.Dispose();

    private static byte[] Payload(int i) => Encoding.UTF8.GetBytes($"record-{i:D6}-".PadRight(40, 'x'));

    private SegmentLog Open(LogDurableHandler handler) => SegmentLog.Open(
        device, temp.Path, (_, _, _) => { }, new SegmentLogOptions { ConcurrentSyncs = 2, PreallocateSegments = false },
        timeProvider: null, durable: handler);

    [Fact]
    public async Task The_handler_hears_of_a_group_after_its_fsync_and_before_its_appenders()
    {
        var told = new ConcurrentQueue<(long Position, bool AppenderDone)>();
        Task? firstDurable = null;
        await using var log = Open(position => told.Enqueue((position, Volatile.Read(ref firstDurable)?.IsCompleted ?? true)));

        var first = log.Append(1, Payload(1));
        Volatile.Write(ref firstDurable, first.Durable);
        var sync = device.NextSync(Timeout) ?? throw new TimeoutException("no fsync");
        Assert.Empty(told); // written, not yet durable: nobody is told

        sync.Release();
        await first.Durable.WaitAsync(Timeout);
        var (position, appenderDone) = Assert.Single(told);
        Assert.True(position > first.Position, "the position covers the record");
        Assert.Equal(log.DurablePosition, position);
        Assert.False(appenderDone, "the handler ran before the appender's task completed");
    }

    [Fact]
    public async Task Groups_that_complete_together_are_told_once_with_the_later_position()
    {
        var told = new ConcurrentQueue<long>();
        await using var log = Open(told.Enqueue);
        var first = log.Append(1, Payload(1));
        var firstSync = device.NextSync(Timeout) ?? throw new TimeoutException("no first fsync");
        var second = log.Append(1, Payload(2));
        var secondSync = device.NextSync(Timeout) ?? throw new TimeoutException("no second fsync");

        // The later fsync returns first: nothing may be told until the earlier one has returned too.
        secondSync.Release();
        Assert.True(secondSync.Done.Wait(Timeout));
        Assert.Empty(told);

        firstSync.Release();
        await Task.WhenAll(first.Durable, second.Durable).WaitAsync(Timeout);
        var position = Assert.Single(told);
        Assert.True(position > second.Position);
    }

    [Fact]
    public async Task A_handler_that_throws_stops_the_log_and_fails_the_group()
    {
        var log = Open(_ => throw new InvalidOperationException("index is broken"));
        var append = log.Append(1, Payload(1));
        (device.NextSync(Timeout) ?? throw new TimeoutException("no fsync")).Release();

        var failure = await Assert.ThrowsAsync<StorageFaultedException>(() => append.Durable.WaitAsync(Timeout));
        Assert.Contains("index is broken", failure.Message, StringComparison.Ordinal);
        Assert.Throws<StorageFaultedException>(() => log.Append(1, Payload(2)));
        await log.DisposeAsync();
    }

    [Fact]
    public async Task Every_appender_of_a_group_whatever_its_lane_completes_only_after_the_fsync()
    {
        await using var log = Open(_ => { });
        var first = log.Append(1, Payload(0));
        var firstSync = device.NextSync(Timeout) ?? throw new TimeoutException("no first fsync");

        // While the first fsync is held, the other writer takes these in one or more groups; their fsyncs go through.
        var many = Enumerable.Range(1, 9).Select(i => log.Append(1, Payload(i)).Durable).ToArray();
        var flushed = log.FlushAsync();
        using var stop = new CancellationTokenSource();
        var releaser = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                device.NextSync(TimeSpan.FromMilliseconds(50))?.Release();
            }
        });

        Assert.All(many, task => Assert.False(task.IsCompleted));
        Assert.False(flushed.IsCompleted);

        firstSync.Release();
        await first.Durable.WaitAsync(Timeout);
        await Task.WhenAll(many).WaitAsync(Timeout);
        await flushed.WaitAsync(Timeout);
        await stop.CancelAsync();
        await releaser.WaitAsync(Timeout);
    }
}
