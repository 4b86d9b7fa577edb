using System.Text;

namespace Spillway.Storage.Tests;

/// <summary>Groups whose fsyncs overlap (<see cref="SegmentLogOptions.ConcurrentSyncs"/> above 1).</summary>
public sealed class SegmentLogPipelineTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly TempDirectory temp = new();
    private readonly SteppedSyncDevice device = new();

    public void Dispose() => temp.Dispose();

    private static byte[] Payload(int i, int size = 40) => Encoding.UTF8.GetBytes($"record-{i:D6}-".PadRight(size, 'x'));

    private SegmentLog Open(long segmentSize = 64L * 1024 * 1024) => SegmentLog.Open(
        device, temp.Path, (_, _, _) => { }, new SegmentLogOptions { SegmentSize = segmentSize, ConcurrentSyncs = 2, PreallocateSegments = false });

    [Fact]
    public async Task The_next_group_is_written_and_synced_while_the_first_fsync_is_held_but_completes_after_it()
    {
        await using var log = Open();
        var first = log.Append(1, Payload(1));
        var firstSync = device.NextSync(Timeout) ?? throw new TimeoutException("no first fsync");

        var second = log.Append(1, Payload(2));
        var secondSync = device.NextSync(Timeout);
        Assert.NotNull(secondSync); // two fsyncs in the device at once

        // The later fsync returns first: its group is on disk but must not be acknowledged ahead of the earlier one.
        var firstReleased = false;
        var secondSawFirstReleased = second.Durable.ContinueWith(_ => Volatile.Read(ref firstReleased), TaskScheduler.Default);
        secondSync.Release();
        Assert.True(secondSync.Done.Wait(Timeout));
        Assert.False(second.Durable.IsCompleted);
        Assert.True(log.DurablePosition <= first.Position);

        Volatile.Write(ref firstReleased, true);
        firstSync.Release();
        Assert.True(await secondSawFirstReleased.WaitAsync(Timeout));
        await first.Durable.WaitAsync(Timeout);
        await second.Durable.WaitAsync(Timeout);
        Assert.True(log.DurablePosition > second.Position);
        Assert.Equal(2, log.Metrics.Fsyncs);
    }

    [Fact]
    public async Task A_failed_fsync_fails_every_later_group_even_one_whose_fsync_succeeded()
    {
        var log = Open();
        var first = log.Append(1, Payload(1));
        var firstSync = device.NextSync(Timeout) ?? throw new TimeoutException("no first fsync");
        var second = log.Append(1, Payload(2));
        var secondSync = device.NextSync(Timeout) ?? throw new TimeoutException("no second fsync");

        secondSync.Release();
        firstSync.Fail();

        await Assert.ThrowsAsync<StorageFaultedException>(() => first.Durable.WaitAsync(Timeout));
        await Assert.ThrowsAsync<StorageFaultedException>(() => second.Durable.WaitAsync(Timeout));
        Assert.Throws<StorageFaultedException>(() => log.Append(1, Payload(3)));
        await log.DisposeAsync();
    }

    [Fact]
    public async Task A_new_segment_is_written_only_after_every_earlier_group_is_durable()
    {
        // Segments of 4 KiB: the first group fills most of one, the second needs the next segment.
        await using var log = Open(segmentSize: 4096);
        var first = log.Append(1, Payload(1, 3000));
        var firstSync = device.NextSync(Timeout) ?? throw new TimeoutException("no first fsync");

        var second = log.Append(1, Payload(2, 3000));
        Assert.Null(device.NextSync(TimeSpan.FromMilliseconds(200))); // held back, not in the device
        Assert.Single(Directory.GetFiles(temp.Path, "*.seg"));

        firstSync.Release();
        var secondSync = device.NextSync(Timeout) ?? throw new TimeoutException("no second fsync");
        secondSync.Release();
        await first.Durable.WaitAsync(Timeout);
        await second.Durable.WaitAsync(Timeout);
        Assert.Equal(2, Directory.GetFiles(temp.Path, "*.seg").Length);
    }
}
