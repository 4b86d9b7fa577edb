namespace Spillway.Storage;

public sealed partial class SegmentLog
{
    // The segment being written is kept zero-filled this far ahead of its end, a step at a time: a write into bytes
    // that already exist leaves the file's size alone, so its fdatasync flushes data only, with no journal commit
    // (on ext4 about half the time, and two such fsyncs overlap where two size-changing ones mostly do not).
    private const long ZeroStep = 4L * 1024 * 1024;
    private const long ZeroRunway = 2L * 1024 * 1024;

    // Groups this large on average make the zero fill a loss: a journal commit with each fdatasync costs little next to
    // megabytes of data, while the fill writes (and syncs) every byte of the disk twice. Streams putting batches of
    // 4 KiB records write groups of megabytes; queue sends, a few hundred bytes each, stay far below.
    private const long LargeGroupBytes = 1024 * 1024;

    private static readonly byte[] Zeros = new byte[64 * 1024];

    // Writer side, under the write gate: a moving average of the bytes per group written (each group weighs 1/8).
    private long averageGroupBytes;

    // Writer side, under the write gate: the zero fill running in the background and the region it writes.
    private Task zeroTask = Task.CompletedTask;
    private Segment? zeroSegment;
    private long zeroFrom;

    /// <summary>
    /// Under the write gate, before the tail is written up to <paramref name="end"/> (an offset in its file): waits if
    /// that write would run into the region being zero-filled, and starts the next fill step once the tail is within
    /// <see cref="ZeroRunway"/> plus half a step of the zeroed end. A segment made from the pre-zeroed spare needs none;
    /// the first fill of a segment waits until it holds some data, so an idle queue's log costs no extra disk.
    /// </summary>
    private void KeepZeroedAhead(Segment tail, long end)
    {
        if (!options.PreallocateSegments)
        {
            return;
        }

        // Before anything else, large groups included: a fill begun while groups were small may still be writing zeros
        // where this write is about to put data, and zeros landing after the data would destroy acknowledged records.
        if (zeroSegment == tail && !zeroTask.IsCompleted && end > zeroFrom)
        {
            WaitingForFill?.Invoke();
            zeroTask.Wait(); // FillZeros never throws
        }

        var zeroed = tail.Zeroed;
        if (LargeGroups || !zeroTask.IsCompleted || tail.FillFailed || zeroed >= options.SegmentSize || end < ZeroRunway / 2
            || zeroed - end >= ZeroRunway + (ZeroStep / 4))
        {
            return;
        }

        // Leave the writer a runway before the region the fill writes, so it does not wait for the fill's fsync.
        var from = Math.Max(zeroed, end + ZeroRunway);
        var to = Math.Min(options.SegmentSize, from + ZeroStep);
        if (to <= from)
        {
            return;
        }

        zeroSegment = tail;
        zeroFrom = from;
        zeroTask = Task.Run(() => FillZeros(tail, from, to));
    }

    /// <summary>For tests: raised on the writer thread just before it waits for a zero fill to leave its way.</summary>
    internal event Action? WaitingForFill;

    /// <summary>Under the write gate: groups have been large lately, so neither the tail nor a spare is zero-filled.</summary>
    private bool LargeGroups => averageGroupBytes >= LargeGroupBytes;

    /// <summary>Under the write gate, for each group written: keeps <see cref="averageGroupBytes"/>.</summary>
    private void CountGroupBytes(int length) => averageGroupBytes += (length - averageGroupBytes) / 8;

    /// <summary>
    /// Writes zeros over [<paramref name="from"/>, <paramref name="to"/>) of the segment and makes them durable. A write
    /// that fails (a full disk) only ends the fill: the writer then grows the file as it goes, and sends are refused
    /// by the free-space check, not here. An fsync error stops the log like any other: after a failed fsync the kernel
    /// may have dropped dirty pages of the file, acknowledged groups' among them, and a later fsync would not say so.
    /// </summary>
    private void FillZeros(Segment segment, long from, long to)
    {
        try
        {
            for (var offset = from; offset < to; offset += Zeros.Length)
            {
                if (Volatile.Read(ref stopping))
                {
                    return;
                }

                segment.File.Write(offset, Zeros.AsSpan(0, (int)Math.Min(Zeros.Length, to - offset)));
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or UnauthorizedAccessException)
        {
            segment.FillFailed = true; // not again for this segment: a full disk would fail every try
            return; // a full disk, or the segment closed meanwhile (log disposed, segment deleted after a roll)
        }

        try
        {
            segment.File.Sync();
            segment.Zeroed = Math.Max(segment.Zeroed, to);
        }
        catch (ObjectDisposedException)
        {
        }
        catch (Exception ex)
        {
            Stop(ex);
        }
    }
}
