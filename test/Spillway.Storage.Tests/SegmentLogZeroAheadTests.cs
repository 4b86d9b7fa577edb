using System.Text;

namespace Spillway.Storage.Tests;

/// <summary>The segment being written is zero-filled ahead of its end, so group fsyncs do not change the file's size.</summary>
public sealed class SegmentLogZeroAheadTests : IDisposable
{
    private const long SegmentSize = 16L * 1024 * 1024;
    private const int Records = 20_000; // about 2.4 MB of records: past the point where the first fill starts
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    private static byte[] Payload(int i) => Encoding.UTF8.GetBytes($"record-{i:D6}-".PadRight(100, 'x'));

    private SegmentLog Open(IStorageDevice device, List<byte[]>? replayed = null) => SegmentLog.Open(
        device, temp.Path, (_, _, payload) => replayed?.Add(payload.ToArray()), new SegmentLogOptions { SegmentSize = SegmentSize });

    private static async Task AppendAll(SegmentLog log, int from, int count)
    {
        for (var batch = from; batch < from + count; batch += 1000)
        {
            var tasks = Enumerable.Range(batch, Math.Min(1000, from + count - batch)).Select(i => log.Append(1, Payload(i)).Durable);
            await Task.WhenAll(tasks).WaitAsync(Timeout);
        }
    }

    private long SegmentFileLength() => new FileInfo(Directory.GetFiles(temp.Path, "*.seg").Single()).Length;

    [Fact]
    public async Task The_tail_is_zero_filled_ahead_and_the_log_reopens_with_every_record_and_appends_over_the_zeros()
    {
        var device = new ZeroFillFaultDevice();
        var log = Open(device);
        await AppendAll(log, 0, Records);
        var dataEnd = log.DurablePosition;
        await log.DisposeAsync(); // waits for a fill still running

        Assert.True(device.ZeroWrites > 0, "the fill ran");
        Assert.True(SegmentFileLength() > dataEnd, $"file {SegmentFileLength()} bytes, data {dataEnd}");

        var replayed = new List<byte[]>();
        log = Open(device, replayed);
        Assert.True(log.Recovery.Clean);
        Assert.Equal(Records, replayed.Count);
        Assert.Equal(dataEnd, log.DurablePosition);
        await AppendAll(log, Records, 100);
        await log.DisposeAsync();

        replayed.Clear();
        await using var reopened = Open(device, replayed);
        Assert.Equal(Records + 100, replayed.Count);
        Assert.Equal(Payload(Records + 99), replayed[^1]);
    }

    [Fact]
    public async Task A_failed_fsync_of_the_zero_fill_stops_the_log_and_a_restart_keeps_every_acknowledged_record()
    {
        var device = new ZeroFillFaultDevice { FailSyncAfterZeroWrite = true };
        var log = Open(device);
        var acknowledged = 0;
        var stopped = false;
        for (var i = 0; i < 10 * Records && !stopped; i++)
        {
            try
            {
                await log.Append(1, Payload(i)).Durable.WaitAsync(Timeout);
                acknowledged++;
            }
            catch (StorageFaultedException)
            {
                stopped = true;
            }
        }

        Assert.True(stopped, "the log stopped after the fill's fsync failed");
        Assert.Contains("after the zero fill", log.Fault?.Message ?? string.Empty, StringComparison.Ordinal);
        await log.DisposeAsync();

        device.FailSyncAfterZeroWrite = false;
        var replayed = new List<byte[]>();
        await using var reopened = Open(device, replayed);
        Assert.True(replayed.Count >= acknowledged);
        Assert.Equal(Enumerable.Range(0, acknowledged).Select(Payload), replayed.Take(acknowledged));
    }

    [Fact]
    public async Task A_zero_fill_that_finds_the_disk_full_only_ends_the_fill()
    {
        var device = new ZeroFillFaultDevice { FailZeroWrites = true };
        var log = Open(device);
        await AppendAll(log, 0, Records);
        Assert.Null(log.Fault);
        Assert.Equal(1, device.ZeroWrites); // tried once for the segment, not once per group
        var dataEnd = log.DurablePosition;
        await log.DisposeAsync();
        Assert.Equal(dataEnd, SegmentFileLength());

        var replayed = new List<byte[]>();
        await using var reopened = Open(device, replayed);
        Assert.Equal(Records, replayed.Count);
    }

    [Fact]
    public async Task A_log_written_in_groups_of_megabytes_stops_filling_zeros_and_keeps_every_record()
    {
        var device = new ZeroFillFaultDevice();
        var log = Open(device);
        var record = new byte[1536 * 1024];
        for (var i = 0; i < 20; i++)
        {
            record[0] = (byte)i;
            await log.Append(1, record).Durable.WaitAsync(Timeout); // one group each: the average climbs past 1 MiB
        }

        var before = device.ZeroWrites;
        for (var i = 20; i < 60; i++)
        {
            record[0] = (byte)i;
            await log.Append(1, record).Durable.WaitAsync(Timeout); // 60 MB more: several segments, no spare and no fill
        }

        // At most the rest of one 4 MiB fill step (64 writes of 64 KiB) begun while the average was still low; filling
        // ahead of 60 MB of data and pre-zeroing spares would take hundreds.
        Assert.InRange(device.ZeroWrites - before, 0, 64);
        Assert.True(log.SegmentCount > 1 || Directory.GetFiles(temp.Path, "*.seg").Length > 1, "the log rolled to new segments");
        await log.DisposeAsync();

        var replayed = new List<byte[]>();
        await using var reopened = Open(device, replayed);
        Assert.True(reopened.Recovery.Clean);
        Assert.Equal(Enumerable.Range(0, 60).Select(i => (byte)i), replayed.Select(r => r[0]));
        Assert.All(replayed, r => Assert.Equal(record.Length, r.Length));
    }

    [Fact]
    public async Task A_fill_begun_while_groups_were_small_finishes_before_a_large_group_writes_into_its_region()
    {
        var device = new FillHoldDevice();
        var log = SegmentLog.Open(device, temp.Path, (_, _, _) => { }, new SegmentLogOptions { SegmentSize = 32L * 1024 * 1024 });
        log.WaitingForFill += device.ReleaseFill;
        byte[] Record(int i, int size) => Enumerable.Repeat((byte)(i + 1), size).ToArray();

        // Two groups of 900 KiB: the tail passes 1 MiB, so a fill starts 2 MiB ahead of it (and is held at its first write).
        await log.Append(1, Record(0, 900 * 1024)).Durable.WaitAsync(Timeout);
        await log.Append(1, Record(1, 900 * 1024)).Durable.WaitAsync(Timeout);
        await device.FillHeld.WaitAsync(Timeout);

        // One group of 7 MiB lifts the average group past 1 MiB at once, and runs through the fill's region.
        var large = Enumerable.Range(2, 7).Select(i => Record(i, 1024 * 1024)).ToArray();
        var positions = new long[large.Length];
        await log.AppendBatch(1, large.SelectMany(r => r).ToArray(), large.Select(r => r.Length).ToArray(), positions).WaitAsync(Timeout);
        await log.DisposeAsync();

        Assert.False(device.ZerosOverData, "the fill wrote zeros over acknowledged records");
        var replayed = new List<byte[]>();
        await using var reopened = SegmentLog.Open(
            FileStorageDevice.Instance, temp.Path, (_, _, payload) => replayed.Add(payload.ToArray()), new SegmentLogOptions { SegmentSize = 32L * 1024 * 1024 });
        Assert.True(reopened.Recovery.Clean);
        Assert.Equal(9, replayed.Count);
        Assert.All(replayed.Select((r, i) => (r, i)), p => Assert.Equal(Record(p.i, p.r.Length), p.r));
    }
}
