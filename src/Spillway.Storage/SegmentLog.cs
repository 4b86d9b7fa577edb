using Spillway.Storage.Internal;

namespace Spillway.Storage;

/// <summary>
/// An append-only log of checksummed records in segment files, with group commit: a writer takes every record
/// appended since the last group, writes them with ONE write and ONE fsync, then completes all their
/// <see cref="AppendResult.Durable"/> tasks together. Up to <see cref="SegmentLogOptions.ConcurrentSyncs"/> groups may
/// be in their fsync at once (writes stay in log order, one at a time; groups complete in log order), so a slow fsync
/// does not hold back the next group. A failed write or fsync stops the log for good (fail-stop): every group not yet
/// complete and every later append fail with <see cref="StorageFaultedException"/>; reopening recovers.
/// </summary>
public sealed partial class SegmentLog : IAsyncDisposable
{
    private const int SpareBufferLimit = 4 * 1024 * 1024;
    private const string SpareFileName = "next-segment.tmp";

    private readonly IStorageDevice device;
    private readonly string directory;
    private readonly SegmentLogOptions options;
    private readonly TimeProvider timeProvider;
    private readonly object gate = new(); // a Monitor, not a Lock: the writers wait on it
    private readonly Lock writeGate = new(); // one writer at a time takes a group and writes it, in log order
    private readonly Thread[] writers;
    private readonly LogDurableHandler? durableHandler;

    // Appender side, guarded by gate: the bytes waiting for a writer and where they go.
    private PendingWrite pending = new();
    private readonly Stack<PendingWrite> freeGroups = new();
    private long tailBase;
    private long tailLength;
    private bool tailExists;
    private bool stopping;
    private bool abandoned;
    private Exception? fault;
    private long truncateTo = -1;
    private long truncateWhenDurable;

    // Groups written and in (or done with) their fsync, oldest first; they complete from the front. Guarded by gate.
    private readonly Queue<PendingWrite> inFlight = new();
    private PendingWrite? newestInFlight;
    private volatile bool spareReady;
    private Task spareTask = Task.CompletedTask;

    // Writer side: segment list published copy-on-write for readers.
    private volatile Segment[] segments = [];
    private long durablePosition;
    private long appends;
    private long writes;
    private long fsyncs;
    private long bytesWritten;

    private SegmentLog(
        IStorageDevice device, string directory, SegmentLogOptions options, TimeProvider timeProvider, LogDurableHandler? durableHandler)
    {
        this.device = device;
        this.durableHandler = durableHandler;
        this.directory = directory;
        this.options = options;
        this.timeProvider = timeProvider;
        writers = new Thread[options.ConcurrentSyncs];
        for (var i = 0; i < writers.Length; i++)
        {
            writers[i] = new Thread(WriterLoop) { IsBackground = true, Name = "spillway-log-writer" };
        }
    }

    /// <summary>The directory holding the segment files.</summary>
    public string Directory => directory;

    /// <summary>What recovery found when the log was opened.</summary>
    public RecoveryReport Recovery { get; private set; } = new(0, 0, 0, []);

    /// <summary>Position just past the last durable record.</summary>
    public long DurablePosition => Volatile.Read(ref durablePosition);

    /// <summary>Position of the first byte still on disk (the base of the oldest segment).</summary>
    public long FirstPosition
    {
        get
        {
            var current = segments;
            return current.Length == 0 ? DurablePosition : current[0].Base;
        }
    }

    /// <summary>Position just past the last appended record (durable or not).</summary>
    public long AppendedPosition
    {
        get
        {
            lock (gate)
            {
                return tailBase + tailLength;
            }
        }
    }

    /// <summary>Whether a pre-zeroed file waits for the next segment. For tests.</summary>
    internal bool SpareReady => spareReady;

    /// <summary>Number of segment files.</summary>
    public int SegmentCount => segments.Length;

    /// <summary>
    /// The closed segments, oldest first: every segment but the one being written. Their records are all durable and
    /// never change, so the layer above can decide which of them to compact.
    /// </summary>
    public IReadOnlyList<SegmentInfo> ClosedSegments
    {
        get
        {
            var current = segments;
            var closed = new SegmentInfo[Math.Max(0, current.Length - 1)];
            for (var i = 0; i < closed.Length; i++)
            {
                closed[i] = new SegmentInfo(current[i].Base, current[i].Length);
            }

            return closed;
        }
    }

    /// <summary>The failure that stopped the log; null while it works.</summary>
    /// <remarks>Read without the gate: every send asks, and a reference read needs no lock to be whole.</remarks>
    public Exception? Fault => Volatile.Read(ref fault);

    /// <summary>Counters since the log was opened.</summary>
    public SegmentLogMetrics Metrics => new(
        Volatile.Read(ref appends), Volatile.Read(ref writes), Volatile.Read(ref fsyncs), Volatile.Read(ref bytesWritten));

    /// <summary>
    /// Appends a record; it is written with the next group. Returns its position at once, and a task that completes
    /// after the covering fsync. Callers that need no acknowledgement (bookkeeping records) may leave the task
    /// unawaited: it is then flushed with the next group.
    /// </summary>
    /// <exception cref="StorageFaultedException">The log stopped after an I/O failure.</exception>
    public AppendResult Append(byte type, ReadOnlySpan<byte> payload)
    {
        ArgumentOutOfRangeException.ThrowIfZero(type);
        CheckSize(payload.Length, nameof(payload));
        lock (gate)
        {
            ThrowIfStopped();
            var position = AppendLocked(type, payload);
            var durable = pending.NextAppenderTask;
            pending.Records++;
            if (pending.Records == 1)
            {
                Monitor.Pulse(gate);
            }

            return new AppendResult(position, durable);
        }
    }

    /// <summary>
    /// Appends several records of one type, each its own checksummed record, in one step: no group boundary falls
    /// between them, so they become durable with one write and one fsync (unless they fill a segment). Their payloads
    /// lie back to back in <paramref name="payloads"/>, <paramref name="lengths"/> long; their positions go to
    /// <paramref name="positions"/>. The task completes once all of them are durable.
    /// </summary>
    /// <exception cref="StorageFaultedException">The log stopped after an I/O failure.</exception>
    public Task AppendBatch(byte type, ReadOnlySpan<byte> payloads, ReadOnlySpan<int> lengths, Span<long> positions)
    {
        ArgumentOutOfRangeException.ThrowIfZero(type);
        ArgumentOutOfRangeException.ThrowIfLessThan(positions.Length, lengths.Length, nameof(positions));
        var total = 0;
        foreach (var length in lengths)
        {
            CheckSize(length, nameof(lengths));
            total += length;
        }

        ArgumentOutOfRangeException.ThrowIfNotEqual(total, payloads.Length, nameof(payloads));
        if (lengths.IsEmpty)
        {
            return FlushAsync();
        }

        lock (gate)
        {
            ThrowIfStopped();
            var offset = 0;
            for (var i = 0; i < lengths.Length; i++)
            {
                positions[i] = AppendLocked(type, payloads.Slice(offset, lengths[i]));
                offset += lengths[i];
            }

            // Every lane of a group completes together, so one task stands for the whole batch.
            var durable = pending.NextAppenderTask;
            pending.Records += lengths.Length;
            if (pending.Records == lengths.Length)
            {
                Monitor.Pulse(gate);
            }

            return durable;
        }
    }

    private void CheckSize(int length, string parameterName)
    {
        if (length > options.MaxRecordSize)
        {
            throw new ArgumentException($"Record of {length} bytes exceeds the limit of {options.MaxRecordSize}.", parameterName);
        }
    }

    /// <summary>Under the gate: frames one record into the pending group (starting a segment when due); returns its position.</summary>
    private long AppendLocked(byte type, ReadOnlySpan<byte> payload)
    {
        var size = SegmentFormat.FrameSize + payload.Length;
        if (!tailExists || (tailLength + size > options.SegmentSize && tailLength > SegmentFormat.HeaderSize))
        {
            tailBase = tailExists ? tailBase + tailLength : tailBase;
            tailLength = SegmentFormat.HeaderSize;
            tailExists = true;
            var header = pending.Reserve(SegmentFormat.HeaderSize, tailBase, startsSegment: true);
            SegmentFormat.WriteHeader(header, tailBase, timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        }

        var position = tailBase + tailLength;
        SegmentFormat.WriteFrame(pending.Reserve(size, position, startsSegment: false), type, payload);
        tailLength += size;
        return position;
    }

    /// <summary>Completes when every record appended so far is durable.</summary>
    public Task FlushAsync()
    {
        lock (gate)
        {
            if (fault is not null)
            {
                return Task.FromException(Faulted());
            }

            // Nothing pending may still mean groups inside their write or fsync right now; they complete in order.
            // Lane 0 of a group completes only once the whole group is durable, like every lane.
            return pending.Length > 0 ? pending.Completions[0].Task : newestInFlight?.Completions[0].Task ?? Task.CompletedTask;
        }
    }

    /// <summary>
    /// Reads <paramref name="destination"/>.Length bytes at <paramref name="position"/>, which must lie in durable
    /// records. Safe to call from any thread while appends go on.
    /// </summary>
    public void Read(long position, Span<byte> destination)
    {
        if (position + destination.Length > DurablePosition)
        {
            throw new ArgumentOutOfRangeException(nameof(position), "Only durable records can be read.");
        }

        // A range may run over a segment boundary (the reader coalesces neighbouring records).
        var current = segments;
        var index = FindSegment(current, position);
        if (index < 0)
        {
            throw new InvalidOperationException($"Position {position} lies in a deleted segment.");
        }

        while (destination.Length > 0)
        {
            if (index >= current.Length || current[index].Base > position)
            {
                throw new IOException($"Position {position} lies in no segment.");
            }

            var segment = current[index];
            var available = (int)Math.Min(destination.Length, segment.Base + segment.Length - position);
            var read = available <= 0 ? 0 : segment.File.Read(position - segment.Base, destination[..available]);
            if (read != available || available <= 0)
            {
                throw new IOException($"Short read at position {position} of segment {segment.Name}.");
            }

            destination = destination[read..];
            position += read;
            index++;
        }
    }

    /// <summary>Reads the payload of the durable record at <paramref name="position"/> and checks its checksum.</summary>
    public byte[] ReadRecord(long position, out byte type)
    {
        Span<byte> frame = stackalloc byte[SegmentFormat.FrameSize];
        Read(position, frame);
        var length = SegmentFormat.PlausibleLength(frame, long.MaxValue, options.MaxRecordSize);
        if (length < 0)
        {
            throw new IOException($"No record at position {position}.");
        }

        var payload = GC.AllocateUninitializedArray<byte>(length);
        Read(position + SegmentFormat.FrameSize, payload);
        if (!SegmentFormat.ChecksumMatches(frame, payload))
        {
            throw new IOException($"Record at position {position} fails its checksum.");
        }

        type = frame[4];
        return payload;
    }

    /// <summary>Size of the frame that precedes every record's payload.</summary>
    public static int RecordOverhead => SegmentFormat.FrameSize;

    /// <summary>
    /// The payload of the record whose frame starts <paramref name="bytes"/> (a range read with <see cref="Read"/> from the
    /// record's position on), after checking its checksum: lets a reader that knows where its records lie fetch many
    /// with one read.
    /// </summary>
    /// <exception cref="IOException">No intact record starts there.</exception>
    public ReadOnlySpan<byte> PayloadOf(ReadOnlySpan<byte> bytes, out byte type)
    {
        var length = bytes.Length < SegmentFormat.FrameSize ? -1 : SegmentFormat.PlausibleLength(bytes, bytes.Length, options.MaxRecordSize);
        if (length < 0 || !SegmentFormat.ChecksumMatches(bytes, bytes.Slice(SegmentFormat.FrameSize, length)))
        {
            throw new IOException("No intact record at the start of the range.");
        }

        type = bytes[4];
        return bytes.Slice(SegmentFormat.FrameSize, length);
    }

    /// <summary>
    /// Deletes, in the background, every segment that ends at or before <paramref name="position"/> (never the
    /// segment being written). The deletion waits until everything appended before this call is durable, so a
    /// record that makes the old segments dead (a delete, a checkpoint) reaches the disk first.
    /// </summary>
    public void DeleteSegmentsBefore(long position)
    {
        lock (gate)
        {
            if (position <= truncateTo || fault is not null)
            {
                return;
            }

            truncateTo = position;
            truncateWhenDurable = tailBase + tailLength;
            Monitor.PulseAll(gate);
        }
    }

    /// <summary>
    /// Stops the writer at once, dropping what it has not written, and closes the files: what a crash leaves behind.
    /// For crash tests.
    /// </summary>
    public void Abandon()
    {
        lock (gate)
        {
            abandoned = true;
            stopping = true;
            fault ??= new ObjectDisposedException(nameof(SegmentLog));

            // As a crash would: what no writer has taken is lost; groups already written finish their fsync.
            FailOnPool(pending.Completions, Faulted());
            Monitor.PulseAll(gate);
        }

        JoinWriters();
        spareTask.Wait();
        zeroTask.Wait();
        CloseFiles();
    }

    /// <summary>Writes what is pending, stops the writer and closes the files.</summary>
    public ValueTask DisposeAsync()
    {
        lock (gate)
        {
            stopping = true;
            Monitor.PulseAll(gate);
        }

        JoinWriters();
        spareTask.Wait();
        zeroTask.Wait();
        CloseFiles();
        return ValueTask.CompletedTask;
    }

    private void JoinWriters()
    {
        foreach (var thread in writers)
        {
            thread.Join();
        }
    }

    private void ThrowIfStopped()
    {
        if (fault is not null)
        {
            throw Faulted();
        }

        ObjectDisposedException.ThrowIf(stopping, this);
    }

    private StorageFaultedException Faulted() => fault as StorageFaultedException
        ?? new StorageFaultedException($"The log in '{directory}' stopped after an I/O failure: {fault?.Message}", fault);

    private void CloseFiles()
    {
        foreach (var segment in segments)
        {
            segment.File.Dispose();
        }
    }

    private static int FindSegment(Segment[] list, long position)
    {
        int low = 0, high = list.Length - 1, found = -1;
        while (low <= high)
        {
            var mid = (low + high) >>> 1;
            if (list[mid].Base <= position)
            {
                found = mid;
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return found;
    }

    private sealed class Segment(long basePosition, string name, IStorageFile file, long length)
    {
        public long Base { get; } = basePosition;

        public string Name { get; } = name;

        public IStorageFile File { get; } = file;

        public long Length { get; set; } = length;

        private long zeroed = length;

        /// <summary>A zero fill of this segment failed to write (a full disk): the writer grows the file as it goes.</summary>
        public bool FillFailed { get; set; }

        /// <summary>
        /// Bytes of the file known to exist (data, or zeros from the spare or a fill): writes below this do not grow
        /// the file. Set by the writer and the background fill.
        /// </summary>
        public long Zeroed
        {
            get => Volatile.Read(ref zeroed);
            set => Volatile.Write(ref zeroed, value);
        }
    }
}
