using System.Text;
using Spillway.Storage.Internal;

namespace Spillway.Storage.Tests;

public sealed class SegmentLogTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    private static byte[] Payload(int i, int size = 40) => Encoding.UTF8.GetBytes($"record-{i:D6}-".PadRight(size, 'x'));

    private (SegmentLog Log, List<(long Position, byte Type, byte[] Payload)> Records) Open(
        IStorageDevice? device = null, long segmentSize = 64L * 1024 * 1024, int concurrentSyncs = 2)
    {
        var records = new List<(long, byte, byte[])>();
        var log = SegmentLog.Open(
            device ?? FileStorageDevice.Instance, temp.Path, (p, t, payload) => records.Add((p, t, payload.ToArray())),
            new SegmentLogOptions { SegmentSize = segmentSize, ConcurrentSyncs = concurrentSyncs });
        return (log, records);
    }

    [Fact]
    public void Crc32C_matches_the_standard_check_value()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        Assert.Equal(Crc32C.Compute("123456789abcdefgh"u8), Crc32C.Compute("123456789"u8, "abcdefgh"u8));
    }

    [Fact]
    public async Task Appended_records_are_replayed_in_order_after_reopen()
    {
        var (log, _) = Open();
        var tasks = Enumerable.Range(0, 100).Select(i => log.Append(1, Payload(i)).Durable).ToArray();
        await Task.WhenAll(tasks);
        await log.DisposeAsync();

        var (reopened, records) = Open();
        await using var _ = reopened;
        Assert.Equal(100, records.Count);
        Assert.Equal(
            Enumerable.Range(0, 100).Select(i => Encoding.UTF8.GetString(Payload(i))),
            records.Select(r => Encoding.UTF8.GetString(r.Payload)));
        Assert.True(reopened.Recovery.Clean);
        Assert.Equal(records[5].Payload, reopened.ReadRecord(records[5].Position, out var type));
        Assert.Equal(1, type);
    }

    [Fact]
    public async Task Concurrent_appends_share_one_write_and_one_fsync()
    {
        var device = new FaultInjectingDevice();
        var (log, _) = Open(device, concurrentSyncs: 1);
        await using var _ = log;
        using var gate = new ManualResetEventSlim(false);
        device.SyncGate = gate;

        // The first append's fsync is held open; everything appended meanwhile must ride the next single fsync.
        // (One fsync at a time here; SegmentLogPipelineTests covers groups whose fsyncs overlap.)
        var first = log.Append(1, Payload(0)).Durable;
        Assert.True(device.SyncEntered.Wait(TimeSpan.FromSeconds(10)));
        var syncsBefore = device.FileSyncs;
        var writesBefore = device.Writes;
        var durable = Enumerable.Range(1, 63).AsParallel().Select(i => log.Append(1, Payload(i)).Durable).ToArray();
        Assert.False(first.IsCompleted);
        Assert.DoesNotContain(durable, t => t.IsCompleted);

        device.SyncGate = null;
        gate.Set();
        await Task.WhenAll(durable.Append(first));
        Assert.Equal(syncsBefore + 1, device.FileSyncs);
        Assert.Equal(writesBefore + 1, device.Writes);
        Assert.Equal(64, log.Metrics.Appends);
        Assert.Equal(2, log.Metrics.Fsyncs);
    }

    [Fact]
    public async Task Torn_write_at_every_offset_of_the_last_record_recovers_everything_before_it()
    {
        var (log, _) = Open();
        for (var i = 0; i < 9; i++)
        {
            await log.Append(1, Payload(i)).Durable;
        }

        var before = log.DurablePosition;
        await log.Append(1, Payload(9, 100)).Durable;
        var after = log.DurablePosition;
        await log.DisposeAsync();
        var segment = Directory.GetFiles(temp.Path, "*.seg").Single();
        var original = File.ReadAllBytes(segment);
        Assert.Equal(after, original.Length);

        for (var cut = 0; cut < after - before; cut++)
        {
            foreach (var zeroFilled in new[] { false, true })
            {
                // Truncated: the write stopped at `cut`. Zero-filled: the file grew but the rest never reached the disk.
                var torn = original.ToArray();
                if (zeroFilled)
                {
                    Array.Clear(torn, (int)before + cut, (int)(after - before) - cut);
                }

                File.WriteAllBytes(segment, zeroFilled ? torn : torn[..(int)(before + cut)]);
                var (reopened, records) = Open();
                Assert.Equal(9, records.Count);
                Assert.Equal(before, reopened.DurablePosition);
                Assert.Empty(reopened.Recovery.Corruptions);

                // Nothing of the record reached the disk: zeros read as unused (pre-zeroed) space, kept for appends.
                var unused = zeroFilled && cut == 0;
                Assert.Equal(unused ? 0 : zeroFilled ? after - before : cut, reopened.Recovery.TruncatedBytes);
                Assert.Equal(unused ? after : before, new FileInfo(segment).Length);
                await reopened.DisposeAsync();
            }
        }

        File.WriteAllBytes(segment, original);
        var (intact, all) = Open();
        await intact.DisposeAsync();
        Assert.Equal(10, all.Count);
    }

    [Fact]
    public async Task Torn_group_write_fails_the_append_and_reopen_keeps_acknowledged_records()
    {
        var device = new FaultInjectingDevice();
        var (log, _) = Open(device);
        await log.Append(1, Payload(0)).Durable;
        device.TearNextWriteAfter = 17;
        await Assert.ThrowsAsync<StorageFaultedException>(() => log.Append(1, Payload(1)).Durable);
        Assert.Throws<StorageFaultedException>(() => log.Append(1, Payload(2)));
        await log.DisposeAsync();

        var (reopened, records) = Open();
        await using var _ = reopened;
        Assert.Single(records);
        Assert.Equal(17, reopened.Recovery.TruncatedBytes);
        await reopened.Append(1, Payload(3)).Durable;
    }

    [Fact]
    public async Task Failing_fsync_stops_the_log_and_nothing_after_it_is_acknowledged()
    {
        var device = new FaultInjectingDevice();
        var (log, _) = Open(device);
        await log.Append(1, Payload(0)).Durable;
        device.FailSyncs = true;
        var failed = log.Append(1, Payload(1)).Durable;
        await Assert.ThrowsAsync<StorageFaultedException>(() => failed);

        // Fail-stop: no retry that could "succeed" on pages the kernel already dropped.
        device.FailSyncs = false;
        Assert.Throws<StorageFaultedException>(() => log.Append(1, Payload(2)));
        Assert.IsType<StorageFaultedException>(log.Fault);
        await Assert.ThrowsAsync<StorageFaultedException>(() => log.FlushAsync());
        await log.DisposeAsync();

        var (reopened, records) = Open();
        await using var _ = reopened;
        Assert.Equal("record-000000-", Encoding.UTF8.GetString(records[0].Payload)[..14]);
        Assert.InRange(records.Count, 1, 2);
        await reopened.Append(1, Payload(3)).Durable;
    }

    [Theory]
    [InlineData(SegmentFormat.FrameSize + 5, 3)] // a payload bit
    [InlineData(1, 0)] // a length bit: the frame no longer parses, recovery resynchronises on the next frame
    public async Task Flipped_bit_in_an_old_segment_is_reported_and_the_rest_recovered(int offsetInRecord, int bit)
    {
        var (log, _) = Open(segmentSize: 4096);
        for (var i = 0; i < 200; i++)
        {
            await log.Append(1, Payload(i, 100)).Durable;
        }

        Assert.True(log.SegmentCount > 3);
        await log.DisposeAsync();
        var (probe, original) = Open(segmentSize: 4096);
        await probe.DisposeAsync();

        var victim = original[3];
        var firstSegment = Directory.GetFiles(temp.Path, "*.seg").Order(StringComparer.Ordinal).First();
        FaultInjectingDevice.FlipBit(firstSegment, victim.Position + offsetInRecord, bit);

        var (reopened, records) = Open(segmentSize: 4096);
        await using var _ = reopened;
        var corruption = Assert.Single(reopened.Recovery.Corruptions);
        Assert.Equal(Path.GetFileName(firstSegment), corruption.Segment);
        Assert.Equal(victim.Position, corruption.Offset);
        Assert.Equal(199, records.Count);
        Assert.DoesNotContain(records, r => r.Position == victim.Position);
        Assert.Equal(original.Where(r => r.Position != victim.Position).Select(r => r.Position), records.Select(r => r.Position));
        Assert.Equal(0, reopened.Recovery.TruncatedBytes);
    }

    [Fact]
    public async Task Segments_wholly_before_a_position_are_deleted_and_the_rest_replays()
    {
        var (log, _) = Open(segmentSize: 4096);
        var positions = new List<long>();
        for (var i = 0; i < 200; i++)
        {
            var append = log.Append(1, Payload(i, 100));
            positions.Add(append.Position);
            await append.Durable;
        }

        var segmentsBefore = log.SegmentCount;
        var keepFrom = positions[150];
        log.DeleteSegmentsBefore(keepFrom);
        await log.Append(1, Payload(200)).Durable; // the writer deletes after its next group
        await WaitUntil(() => log.FirstPosition > positions[100]);
        Assert.True(log.SegmentCount < segmentsBefore);
        Assert.True(log.FirstPosition <= keepFrom);
        await log.DisposeAsync();

        var (reopened, records) = Open(segmentSize: 4096);
        await using var _ = reopened;
        Assert.Contains(records, r => r.Position == keepFrom);
        Assert.DoesNotContain(records, r => r.Position == positions[0]);
        Assert.Equal(reopened.FirstPosition, records[0].Position - SegmentFormat.HeaderSize);
    }

    [Fact]
    public async Task A_new_segment_whose_header_was_torn_is_discarded()
    {
        var (log, _) = Open(segmentSize: 4096);
        for (var i = 0; i < 50; i++)
        {
            await log.Append(1, Payload(i, 100)).Durable;
        }

        var end = log.DurablePosition;
        await log.DisposeAsync();
        File.WriteAllBytes(Path.Combine(temp.Path, SegmentFormat.FileName(end)), new byte[10]);

        var (reopened, records) = Open(segmentSize: 4096);
        await using var _ = reopened;
        Assert.Equal(50, records.Count);
        Assert.Equal(10, reopened.Recovery.TruncatedBytes);
        Assert.False(File.Exists(Path.Combine(temp.Path, SegmentFormat.FileName(end))));
    }

    [Fact]
    public async Task Preallocated_segments_recover_cleanly_and_a_torn_write_in_one_is_cut()
    {
        var (log, _) = Open(segmentSize: 8192);
        var count = 0;
        var segmentStart = 0L;
        var segments = 0;
        var waited = false;
        while (log.SegmentCount < 4)
        {
            var append = log.Append(1, Payload(count++, 200));
            await append.Durable;
            if (log.SegmentCount != segments)
            {
                segments = log.SegmentCount;
                segmentStart = append.Position - SegmentFormat.HeaderSize;
                waited = false;
            }

            if (!waited && log.DurablePosition - segmentStart > 4096)
            {
                // Past half of the segment: the spare is being zero-filled; let it finish so the next roll uses it.
                await WaitUntil(() => log.SpareReady);
                waited = true;
            }
        }

        var files = Directory.GetFiles(temp.Path, "*.seg").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(8192, new FileInfo(files[^1]).Length); // the tail segment is a pre-zeroed file, partly written
        var tailEnd = log.DurablePosition;
        await log.DisposeAsync();

        var (reopened, records) = Open(segmentSize: 8192);
        Assert.Equal(count, records.Count);
        Assert.True(reopened.Recovery.Clean);
        Assert.Equal(tailEnd, reopened.DurablePosition);
        await reopened.Append(1, Payload(count, 200)).Durable;
        var lastStart = reopened.DurablePosition - SegmentFormat.FrameSize - 200;
        await reopened.DisposeAsync();

        // Tear the record just written: half of it reached the disk, the rest of the file is still zeros.
        var tail = files[^1];
        var tailBase = long.Parse(Path.GetFileNameWithoutExtension(tail));
        using (var stream = new FileStream(tail, FileMode.Open, FileAccess.Write))
        {
            stream.Position = lastStart - tailBase + 100;
            stream.Write(new byte[112]);
        }

        var (torn, afterTear) = Open(segmentSize: 8192);
        await using var _ = torn;
        Assert.Equal(count, afterTear.Count);
        Assert.Equal(lastStart, torn.DurablePosition);
        Assert.True(torn.Recovery.TruncatedBytes > 0);
    }

    private static async Task WaitUntil(Func<bool> condition, Func<string>? state = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s " + state?.Invoke());
            await Task.Yield();
        }
    }
}
