using Spillway.Storage.Internal;

namespace Spillway.Storage;

public sealed partial class SegmentLog
{
    /// <summary>
    /// One of <see cref="SegmentLogOptions.ConcurrentSyncs"/> writer threads. Under the write gate a writer takes the
    /// pending group and writes it; it then releases the gate and fsyncs, so the next writer can take and write the
    /// following group meanwhile. After its fsync a group completes, together with any later groups already synced,
    /// only once every earlier group has: an acknowledgement never runs ahead of the log order recovery keeps.
    /// </summary>
    private void WriterLoop()
    {
        while (true)
        {
            PendingWrite? group = null;
            lock (writeGate)
            {
                lock (gate)
                {
                    while (pending.Length == 0 && !stopping && !TruncationDue())
                    {
                        Monitor.Wait(gate);
                    }

                    if (abandoned || fault is not null || (pending.Length == 0 && stopping))
                    {
                        Monitor.PulseAll(gate); // the next writer in line sees the same and stops too
                        return;
                    }

                    if (pending.Length > 0)
                    {
                        group = pending;
                        pending = freeGroups.TryPop(out var free) ? free : new PendingWrite();
                        inFlight.Enqueue(group);
                        newestInFlight = group;
                    }
                }

                try
                {
                    if (group is not null)
                    {
                        WriteGroup(group);
                    }

                    DeleteDeadSegments();
                }
                catch (Exception ex)
                {
                    Stop(ex);
                    return;
                }
            }

            if (group is null)
            {
                continue;
            }

            try
            {
                SyncGroup(group);
            }
            catch (Exception ex)
            {
                Stop(ex);
                return;
            }

            CompleteSynced(group);
        }
    }

    private bool TruncationDue() => truncateTo >= 0 && Volatile.Read(ref durablePosition) >= truncateWhenDurable
        && segments.Length > 1 && segments[0].Base + segments[0].Length <= truncateTo;

    /// <summary>
    /// Writes the group into its segment files (no fsync yet) and notes which files its fsync must cover. Before the
    /// first bytes of a new segment go out, every earlier group and this group's bytes in the old segment are made
    /// durable: a later segment never holds data while an earlier one may still lose some, so a torn record can only
    /// ever be at the very end of the log.
    /// </summary>
    private void WriteGroup(PendingWrite group)
    {
        var current = segments;
        var tail = current.Length == 0 ? null : current[^1];
        var data = group.Data;
        var piece = 0;
        CountGroupBytes(group.Length);
        while (piece < group.Length)
        {
            var position = group.StartPosition + piece;
            var end = group.NextSegmentStart(piece);
            if (group.StartsSegmentAt(piece))
            {
                WaitForEarlierGroups(group);
                SyncFiles(group);

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
                if (file.Length >= options.SegmentSize)
                {
                    tail.Zeroed = file.Length; // the pre-zeroed spare
                }

                current = [.. current, tail];
                segments = current;
                group.SyncDirectory = true;
            }

            if (tail is null)
            {
                throw new InvalidOperationException("No segment to write to.");
            }

            var span = data.AsSpan(piece, end - piece);
            KeepZeroedAhead(tail, position - tail.Base + span.Length);
            tail.File.Write(position - tail.Base, span);
            Interlocked.Increment(ref writes);
            Interlocked.Add(ref bytesWritten, span.Length);
            group.AddFile(tail.File);

            // Readers only read below the durable position, so the length may run ahead of the fsync.
            tail.Length = position - tail.Base + span.Length;
            piece = end;
        }

        if (options.PreallocateSegments && !LargeGroups && !spareReady && spareTask.IsCompleted && tail is not null
            && tail.Length > options.SegmentSize / 2)
        {
            spareTask = Task.Run(PrepareSpare);
        }
    }

    /// <summary>Waits, holding the write gate, until every group taken before this one is complete.</summary>
    private void WaitForEarlierGroups(PendingWrite group)
    {
        lock (gate)
        {
            while (inFlight.Peek() != group)
            {
                if (fault is not null && !abandoned)
                {
                    throw Faulted();
                }

                Monitor.Wait(gate);
            }
        }
    }

    private void SyncGroup(PendingWrite group)
    {
        SyncFiles(group);
        if (group.SyncDirectory)
        {
            device.SyncDirectory(directory);
        }
    }

    private void SyncFiles(PendingWrite group)
    {
        foreach (var file in group.Files)
        {
            file.Sync();
            Interlocked.Increment(ref fsyncs);
        }

        group.Files.Clear();
    }

    /// <summary>
    /// Marks the group synced and completes, in log order, every group at the front that is synced: one thread-pool work
    /// item tells the durable handler the new durable position, then completes those groups' tasks in order.
    /// </summary>
    private void CompleteSynced(PendingWrite group)
    {
        List<Lanes>? durableGroups = null;
        long durable = 0;
        lock (gate)
        {
            group.Synced = true;
            if (fault is not null && !abandoned)
            {
                return; // Stop failed every unfinished group, this one included
            }

            while (inFlight.TryPeek(out var oldest) && oldest.Synced)
            {
                inFlight.Dequeue();
                Interlocked.Add(ref appends, oldest.Records);
                durable = oldest.StartPosition + oldest.Length;
                Volatile.Write(ref durablePosition, durable);
                (durableGroups ??= []).Add(new Lanes(oldest.Completions, Math.Min(oldest.Records, oldest.Completions.Length)));
                if (newestInFlight == oldest)
                {
                    newestInFlight = null;
                }

                oldest.Reset(oldest.Capacity > SpareBufferLimit);
                freeGroups.Push(oldest);
            }

            Monitor.PulseAll(gate);
        }

        if (durableGroups is not null)
        {
            ThreadPool.UnsafeQueueUserWorkItem(new DurableNotice(this, durable, durableGroups), preferLocal: false);
        }
    }

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

    /// <summary>Fail-stop: records the fault and fails every group not yet complete and every later append.</summary>
    private void Stop(Exception ex)
    {
        lock (gate)
        {
            fault ??= ex as StorageFaultedException
                ?? new StorageFaultedException($"The log in '{directory}' stopped after an I/O failure: {ex.Message}", ex);
            stopping = true;
            FailUnfinishedLocked(Faulted());
        }
    }

    /// <summary>Under the gate: fails the pending group and every group in flight, and wakes every writer.</summary>
    private void FailUnfinishedLocked(Exception faulted)
    {
        FailOnPool(pending.Completions, faulted);
        foreach (var group in inFlight)
        {
            FailOnPool(group.Completions, faulted);
        }

        Monitor.PulseAll(gate);
    }

    /// <summary>Fails a group's appenders from a thread-pool work item: never on a writer thread, never under a lock.</summary>
    private static void FailOnPool(TaskCompletionSource[] completions, Exception fault) =>
        ThreadPool.UnsafeQueueUserWorkItem(
            static state => Fail(state.Completions, state.Fault), (Completions: completions, Fault: fault), preferLocal: false);

    private static void Fail(TaskCompletionSource[] completions, Exception fault)
    {
        foreach (var completion in completions)
        {
            completion.TrySetException(fault);
        }
    }

    /// <summary>A durable group's completion lanes and how many of them have appenders waiting.</summary>
    private readonly record struct Lanes(TaskCompletionSource[] Completions, int Used);

    /// <summary>
    /// Groups that became durable together: the handler first (so what it publishes is in place), then their appenders.
    /// Each lane's continuations run inline one after the other (one hand-off per lane, not one per appender); lane 0
    /// runs here and every other lane in use on a work item of its own, so the appenders resume on every core at once.
    /// </summary>
    private sealed class DurableNotice(SegmentLog log, long position, List<Lanes> groups) : IThreadPoolWorkItem
    {
        public void Execute()
        {
            try
            {
                log.durableHandler?.Invoke(position);
            }
            catch (Exception ex)
            {
                // The layer above could not take in what is durable: stop rather than acknowledge around it.
                log.Stop(ex);
                var faulted = log.Faulted();
                groups.ForEach(group => Fail(group.Completions, faulted));
                return;
            }

            var used = 1;
            var lanes = groups[0].Completions.Length;
            foreach (var group in groups)
            {
                used = Math.Max(used, group.Used);
            }

            for (var lane = 1; lane < used; lane++)
            {
                ThreadPool.UnsafeQueueUserWorkItem(
                    static state => state.Notice.Complete(state.Lane), (Notice: this, Lane: lane), preferLocal: false);
            }

            // Lanes no appender chose have no continuations: completing them here costs nothing.
            for (var lane = used; lane < lanes; lane++)
            {
                Complete(lane);
            }

            Complete(0);
        }

        private void Complete(int lane)
        {
            foreach (var group in groups)
            {
                group.Completions[lane].TrySetResult();
            }
        }
    }

    private sealed class PendingWrite
    {
        private readonly List<int> segmentStarts = [];

        public byte[] Data { get; private set; } = new byte[64 * 1024];

        public int Length { get; private set; }

        public int Capacity => Data.Length;

        public long StartPosition { get; private set; }

        public int Records { get; set; }

        /// <summary>
        /// The group's completion lanes, one per core (at most 4): appenders take them in turn, so their continuations
        /// resume on every core at once instead of one after the other on one thread. Not RunContinuationsAsynchronously:
        /// DurableNotice already runs them off the writer threads and locks. Any lane completes only once the whole
        /// group is durable.
        /// </summary>
        public TaskCompletionSource[] Completions { get; private set; } = NewLanes();

        /// <summary>The task of the next record appended to the group (call before counting it in <see cref="Records"/>).</summary>
        public Task NextAppenderTask => Completions[Records % Completions.Length].Task;

        private static TaskCompletionSource[] NewLanes()
        {
            var lanes = new TaskCompletionSource[Math.Clamp(Environment.ProcessorCount, 1, 4)];
            for (var i = 0; i < lanes.Length; i++)
            {
                lanes[i] = new TaskCompletionSource();
            }

            return lanes;
        }

        /// <summary>Files written since this group's last fsync (one, or two when the group starts a segment).</summary>
        public List<IStorageFile> Files { get; } = [];

        /// <summary>The group created a segment file: its directory entry must be durable too.</summary>
        public bool SyncDirectory { get; set; }

        /// <summary>The group's fsync returned (it completes once every earlier group has too).</summary>
        public bool Synced { get; set; }

        public void AddFile(IStorageFile file)
        {
            if (!Files.Contains(file))
            {
                Files.Add(file);
            }
        }

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
            Completions = NewLanes();
            Files.Clear();
            SyncDirectory = false;
            Synced = false;
            if (shrink)
            {
                Data = new byte[64 * 1024];
            }
        }
    }
}
