using System.Buffers;
using Spillway.Storage.Internal;

namespace Spillway.Storage;

public sealed partial class SegmentLog
{
    private const int ScanBufferSize = 1024 * 1024;

    /// <summary>
    /// Opens (or creates) the log in <paramref name="directory"/>: scans every segment, verifies every record's
    /// checksum, hands each intact record to <paramref name="replay"/> in order, cuts a torn tail off the last
    /// segment and reports damaged ranges found before it (skipping them, so the rest is recovered). After that,
    /// <paramref name="durable"/>, when given, hears of every group commit before its appenders do.
    /// </summary>
    public static SegmentLog Open(
        IStorageDevice device,
        string directory,
        LogRecordHandler replay,
        SegmentLogOptions? options = null,
        TimeProvider? timeProvider = null,
        LogDurableHandler? durable = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(replay);
        var log = new SegmentLog(device, directory, options ?? SegmentLogOptions.Default, timeProvider ?? TimeProvider.System, durable);
        device.CreateDirectory(directory);
        try
        {
            log.Recover(replay);
        }
        catch
        {
            log.CloseFiles();
            throw;
        }

        foreach (var thread in log.writers)
        {
            thread.Start();
        }

        return log;
    }

    private void Recover(LogRecordHandler replay)
    {
        // A spare segment may have been half zero-filled when the process died.
        device.DeleteFile(Path.Combine(directory, SpareFileName));
        var names = device.ListFiles(directory, SegmentFormat.Suffix)
            .Select(name => (name, ok: SegmentFormat.TryParseFileName(name, out var b), b))
            .Where(x => x.ok)
            .OrderBy(x => x.b)
            .ToList();
        var corruptions = new List<CorruptRange>();
        var opened = new List<Segment>();
        long records = 0, truncated = 0;
        for (var i = 0; i < names.Count; i++)
        {
            var (name, _, basePosition) = names[i];
            var isLast = i == names.Count - 1;
            var file = device.Open(Path.Combine(directory, name), create: false);
            var segment = new Segment(basePosition, name, file, file.Length);
            var header = new byte[SegmentFormat.HeaderSize];
            var headerProblem = SegmentFormat.CheckHeader(header.AsSpan(0, file.Read(0, header)), basePosition);
            if (headerProblem is not null && isLast && segment.Length <= SegmentFormat.HeaderSize)
            {
                // A segment whose first group was torn: nothing in it was ever acknowledged.
                truncated += segment.Length;
                file.Dispose();
                device.DeleteFile(Path.Combine(directory, name));
                device.SyncDirectory(directory);
                continue;
            }

            if (headerProblem is not null)
            {
                corruptions.Add(new CorruptRange(name, 0, SegmentFormat.HeaderSize, headerProblem));
            }

            var end = ScanSegment(segment, replay, corruptions, isLast, ref records, out var zeroTail);
            if (zeroTail)
            {
                // The unused, pre-zeroed end of a preallocated segment: appends continue over it.
                segment.Length = end;
            }
            else if (end < segment.Length)
            {
                truncated += segment.Length - end;
                file.Truncate(end);
                file.Sync();
                segment.Length = end;
                segment.Zeroed = end;
            }

            opened.Add(segment);
        }

        segments = [.. opened];
        if (opened.Count > 0)
        {
            var last = opened[^1];
            tailBase = last.Base;
            tailLength = last.Length;
            tailExists = true;
        }

        durablePosition = tailBase + tailLength;
        Recovery = new RecoveryReport(names.Count, records, truncated, corruptions);
    }

    /// <summary>Replays a segment's intact records; returns where the intact data ends (the rest is a torn tail).</summary>
    private long ScanSegment(
        Segment segment, LogRecordHandler replay, List<CorruptRange> corruptions, bool isLast, ref long records, out bool zeroTail)
    {
        zeroTail = false;
        var fileLength = segment.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(ScanBufferSize);
        long bufferStart = 0;
        var bufferLength = 0;
        try
        {
            long offset = SegmentFormat.HeaderSize;
            while (offset < fileLength)
            {
                if (!Fill(offset, SegmentFormat.FrameSize))
                {
                    break;
                }

                var frame = buffer.AsSpan((int)(offset - bufferStart), SegmentFormat.FrameSize);
                var length = SegmentFormat.PlausibleLength(frame, fileLength - offset, options.MaxRecordSize);
                if (length >= 0 && Fill(offset, SegmentFormat.FrameSize + length))
                {
                    var start = (int)(offset - bufferStart);
                    frame = buffer.AsSpan(start, SegmentFormat.FrameSize);
                    var payload = buffer.AsSpan(start + SegmentFormat.FrameSize, length);
                    if (SegmentFormat.ChecksumMatches(frame, payload))
                    {
                        replay(segment.Base + offset, frame[4], payload);
                        records++;
                        offset += SegmentFormat.FrameSize + length;
                        continue;
                    }
                }

                if (IsZeroFrom(segment.File, offset, fileLength))
                {
                    zeroTail = true;
                    return offset;
                }

                // A bad frame: find the next intact one. None after it in the last segment means a torn tail.
                var next = FindNextFrame(segment.File, offset + 1, fileLength);
                if (next < 0)
                {
                    if (isLast)
                    {
                        return offset;
                    }

                    corruptions.Add(new CorruptRange(segment.Name, offset, fileLength - offset, "bad record, nothing intact after it"));
                    return fileLength;
                }

                corruptions.Add(new CorruptRange(segment.Name, offset, next - offset, "record checksum mismatch or impossible length"));
                offset = next;
            }

            return Math.Min(offset, fileLength);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        // Makes [from, from + count) available in the buffer; false when the file ends first.
        bool Fill(long from, int count)
        {
            if (from + count > fileLength)
            {
                return false;
            }

            if (from >= bufferStart && from + count <= bufferStart + bufferLength)
            {
                return true;
            }

            if (count > buffer.Length)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = ArrayPool<byte>.Shared.Rent(count);
            }

            bufferStart = from;
            bufferLength = segment.File.Read(from, buffer.AsSpan(0, (int)Math.Min(buffer.Length, fileLength - from)));
            return bufferLength >= count;
        }
    }

    /// <summary>Whether every byte from <paramref name="from"/> to the end of the file is zero.</summary>
    private static bool IsZeroFrom(IStorageFile file, long from, long fileLength)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ScanBufferSize);
        try
        {
            while (from < fileLength)
            {
                var read = file.Read(from, buffer.AsSpan(0, (int)Math.Min(buffer.Length, fileLength - from)));
                if (read == 0)
                {
                    return true;
                }

                if (buffer.AsSpan(0, read).ContainsAnyExcept((byte)0))
                {
                    return false;
                }

                from += read;
            }

            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Offset of the first intact frame at or after <paramref name="from"/>; -1 when none. Runs only on damage.</summary>
    private long FindNextFrame(IStorageFile file, long from, long fileLength)
    {
        if (from >= fileLength)
        {
            return -1;
        }

        var rest = new byte[fileLength - from];
        var read = file.Read(from, rest);
        for (var i = 0; i + SegmentFormat.FrameSize <= read; i++)
        {
            var frame = rest.AsSpan(i, SegmentFormat.FrameSize);
            var length = SegmentFormat.PlausibleLength(frame, read - i, options.MaxRecordSize);
            if (length >= 0 && SegmentFormat.ChecksumMatches(frame, rest.AsSpan(i + SegmentFormat.FrameSize, length)))
            {
                return from + i;
            }
        }

        return -1;
    }
}
