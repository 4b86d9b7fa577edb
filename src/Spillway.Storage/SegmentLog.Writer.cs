using Spillway.Storage.Internal;

namespace Spillway.Storage;

public sealed partial class SegmentLog
{
    private void WriterLoop()
    {
        while (true)
        {
            PendingWrite batch;
            lock (gate)
            {
                while (pending.Length == 0 && !stopping && !TruncationDue())
                {
                    Monitor.Wait(gate);
                }

                if (abandoned || (pending.Length == 0 && stopping))
                {
                    return;
                }

                batch = pending;
                pending = spare;
                spare = batch;
                writing = batch.Length > 0 ? batch.Completion : null;
            }

            if (batch.Length > 0)
            {
                try
                {
                    WriteBatch(batch);
                }
                catch (Exception ex)
                {
                    Stop(ex, batch);
                    return;
                }

                batch.Completion.TrySetResult();
                lock (gate)
                {
                    writing = null;
                }

                batch.Reset(batch.Capacity > SpareBufferLimit);
            }

            try
            {
                DeleteDeadSegments();
            }
            catch (Exception ex)
            {
                Stop(ex, null);
                return;
            }
        }
    }

    private bool TruncationDue() => truncateTo >= 0 && Volatile.Read(ref durablePosition) >= truncateWhenDurable
        && segments.Length > 1 && segments[0].Base + segments[0].Length <= truncateTo;

    private void WriteBatch(PendingWrite batch)
    {
        var current = segments;
        var tail = current.Length == 0 ? null : current[^1];
        var data = batch.Data;
        var piece = 0;
        while (piece < batch.Length)
        {
            var position = batch.StartPosition + piece;
            var end = batch.NextSegmentStart(piece);
            if (batch.StartsSegmentAt(piece))
            {
                // The previous segment's last piece was synced in the previous iteration (or an earlier group).
                var name = SegmentFormat.FileName(position);
                var path = Path.Combine(directory, name);
                IStorageFile file;
                if (spareReady)
                {
                    // A pre-zeroed file: writes into it do not change its size, so each fdatasync flushes data only.
                    spareReady = false;
                    device.Rename(Path.Combine(directory, SpareFileName), path);
                    file = device.Open(path, create: false);
                }
                else
                {
                    file = device.Open(path, create: true);
                    file.Truncate(0); // a leftover file of that name must not leave stale bytes after ours
                }

                tail = new Segment(position, name, file, 0);
                current = [.. current, tail];
                segments = current;
            }

            if (tail is null)
            {
                throw new InvalidOperationException("No segment to write to.");
            }

            var span = data.AsSpan(piece, end - piece);
            tail.File.Write(position - tail.Base, span);
            Interlocked.Increment(ref writes);
            Interlocked.Add(ref bytesWritten, span.Length);
            tail.File.Sync();
            Interlocked.Increment(ref fsyncs);
            if (batch.StartsSegmentAt(piece))
            {
                device.SyncDirectory(directory);
            }

            tail.Length = position - tail.Base + span.Length;
            piece = end;
        }

        Interlocked.Add(ref appends, batch.Records);
        Volatile.Write(ref durablePosition, batch.StartPosition + batch.Length);
        if (options.PreallocateSegments && !spareReady && spareTask.IsCompleted && tail is not null
            && tail.Length > options.SegmentSize / 2)
        {
            spareTask = Task.Run(PrepareSpare);
        }
    }

    /// <summary>
    /// Zero-fills and syncs the file the next segment will use, in the background, so rolling to it costs a rename.
    /// A failure only means the next segment grows as it is written: it is never fatal.
    /// </summary>
    private void PrepareSpare()
    {
        var path = Path.Combine(directory, SpareFileName);
        try
        {
            using (var file = device.Open(path, create: true))
            {
                file.Truncate(0);
                var zeros = new byte[Math.Min(options.SegmentSize, 1024 * 1024)];
                for (long offset = 0; offset < options.SegmentSize; offset += zeros.Length)
                {
                    if (Volatile.Read(ref stopping))
                    {
                        return;
                    }

                    file.Write(offset, zeros.AsSpan(0, (int)Math.Min(zeros.Length, options.SegmentSize - offset)));
                }

                file.Sync();
            }

            spareReady = true;
        }
        catch (IOException)
        {
            TryDeleteSpare(path);
        }
        catch (UnauthorizedAccessException)
        {
            TryDeleteSpare(path);
        }
    }

    private void TryDeleteSpare(string path)
    {
        try
        {
            device.DeleteFile(path);
        }
        catch (IOException)
        {
        }
    }

    private void DeleteDeadSegments()
    {
        long limit;
        lock (gate)
        {
            if (!TruncationDue())
            {
                return;
            }

            limit = truncateTo;
        }

        var current = segments;
        var keep = 0;
        while (keep < current.Length - 1 && current[keep].Base + current[keep].Length <= limit)
        {
            keep++;
        }

        if (keep == 0)
        {
            return;
        }

        segments = current[keep..];
        for (var i = 0; i < keep; i++)
        {
            current[i].File.Dispose();
            device.DeleteFile(Path.Combine(directory, current[i].Name));
        }

        device.SyncDirectory(directory);
    }

    private void Stop(Exception ex, PendingWrite? batch)
    {
        StorageFaultedException faulted;
        lock (gate)
        {
            fault = ex as StorageFaultedException
                ?? new StorageFaultedException($"The log in '{directory}' stopped after an I/O failure: {ex.Message}", ex);
            faulted = (StorageFaultedException)fault;
            stopping = true;
            pending.Completion.TrySetException(faulted);
        }

        batch?.Completion.TrySetException(faulted);
    }

    /// <summary>Bytes appended since the writer's last swap, with the segment boundaries inside them.</summary>
    private sealed class PendingWrite
    {
        private readonly List<int> segmentStarts = [];

        public byte[] Data { get; private set; } = new byte[64 * 1024];

        public int Length { get; private set; }

        public int Capacity => Data.Length;

        public long StartPosition { get; private set; }

        public int Records { get; set; }

        public TaskCompletionSource Completion { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Span<byte> Reserve(int size, long position, bool startsSegment)
        {
            if (Length == 0)
            {
                StartPosition = position;
            }

            if (startsSegment)
            {
                segmentStarts.Add(Length);
            }

            if (Length + size > Data.Length)
            {
                var bigger = GC.AllocateUninitializedArray<byte>(Math.Max(Data.Length * 2, Length + size));
                Data.AsSpan(0, Length).CopyTo(bigger);
                Data = bigger;
            }

            var span = Data.AsSpan(Length, size);
            Length += size;
            return span;
        }

        public bool StartsSegmentAt(int offset) => segmentStarts.Contains(offset);

        public int NextSegmentStart(int offset)
        {
            foreach (var start in segmentStarts)
            {
                if (start > offset)
                {
                    return start;
                }
            }

            return Length;
        }

        public void Reset(bool shrink)
        {
            Length = 0;
            Records = 0;
            segmentStarts.Clear();
            Completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (shrink)
            {
                Data = new byte[64 * 1024];
            }
        }
    }
}
