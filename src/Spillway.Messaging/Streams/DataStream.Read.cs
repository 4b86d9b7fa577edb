using Spillway.Messaging.Streams.Internal;
using Spillway.Storage;

namespace Spillway.Messaging.Streams;

public sealed partial class DataStream
{
    // Records of one shard lie among other shards' records: neighbours closer than this are read with one call.
    private const int CoalesceGap = 16 * 1024;
    private const int MaxReadSpan = 4 * 1024 * 1024;

    /// <summary>Where a read of <paramref name="shardId"/> starts for <paramref name="start"/>; <paramref name="sequenceNumber"/>
    /// is required for the sequence-number starts and <paramref name="timestamp"/> for <see cref="IteratorStart.AtTimestamp"/>.</summary>
    public ShardPosition Seek(string shardId, IteratorStart start, string? sequenceNumber = null, DateTimeOffset? timestamp = null)
    {
        lock (gate)
        {
            var shard = ShardById(shardId, nameof(shardId));
            switch (start)
            {
                case IteratorStart.TrimHorizon:
                    return new ShardPosition(shard.Id, shard.StartPosition);
                case IteratorStart.Latest:
                    return LatestLocked(shard);
                case IteratorStart.AtSequenceNumber or IteratorStart.AfterSequenceNumber:
                    if (!StreamCodec.TryParseSequenceNumber(sequenceNumber, out var position, out var number) || number != shard.Number)
                    {
                        throw new ArgumentException($"Sequence number '{sequenceNumber}' is not one of shard {shard.Id}.", nameof(sequenceNumber));
                    }

                    return new ShardPosition(shard.Id, start == IteratorStart.AtSequenceNumber ? position : position + 1);
                case IteratorStart.AtTimestamp:
                    if (timestamp is not { } at)
                    {
                        throw new ArgumentException("An AT_TIMESTAMP start needs a timestamp.", nameof(timestamp));
                    }

                    TrimExpired(shard, Now());
                    var first = shard.Index.FirstArrivedAtOrAfter(at.ToUnixTimeMilliseconds());
                    return first < shard.Index.End ? new ShardPosition(shard.Id, shard.Index.Position(first)) : LatestLocked(shard);
                default:
                    throw new ArgumentException($"Iterator start {(int)start} is not defined.", nameof(start));
            }
        }
    }

    /// <summary>
    /// A sequence number after which a read of the shard resumes at <paramref name="position"/>: an AFTER_SEQUENCE_NUMBER
    /// start with it lands there, though no record of the shard may have it. Null at the start of a log never written.
    /// </summary>
    public string? SequenceNumberBefore(ShardPosition position)
    {
        lock (gate)
        {
            var shard = ShardById(position.ShardId, nameof(position));
            return position.Position > 0 ? StreamCodec.SequenceNumber(position.Position - 1, shard.Number) : null;
        }
    }

    /// <summary>Where a LATEST iterator of <paramref name="shardId"/> starts now.</summary>
    public ShardPosition Latest(string shardId)
    {
        lock (gate)
        {
            return LatestLocked(ShardById(shardId, nameof(shardId)));
        }
    }

    /// <summary>
    /// Reads up to <paramref name="maxRecords"/> records and about <paramref name="maxBytes"/> bytes (always at least one
    /// record when one is there) from <paramref name="from"/>; a trimmed position reads from the oldest record kept.
    /// At the end of a closed shard the result has no next position and names the child shards.
    /// </summary>
    public ShardReadResult Read(ShardPosition from, int maxRecords, long maxBytes = StreamLimits.MaxGetRecordsBytes)
    {
        if (maxRecords is < 1 or > StreamLimits.MaxGetRecordsLimit)
        {
            throw new ArgumentException($"A read returns 1-{StreamLimits.MaxGetRecordsLimit} records, not {maxRecords}.", nameof(maxRecords));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        while (true)
        {
            var plan = PlanRead(from, maxRecords, maxBytes);
            try
            {
                var records = Fetch(plan);
                return new ShardReadResult(records, plan.Next, plan.MillisBehindLatest, plan.Children);
            }
            catch (InvalidOperationException) when (plan.Records.Length > 0)
            {
                // Retention deleted the segment between the plan and the read: plan again from the oldest record kept.
            }
        }
    }

    /// <summary>Completes true as soon as a record exists at or after <paramref name="from"/> (or the shard is closed),
    /// false on timeout. Woken by the log's group commit, never by polling.</summary>
    public async ValueTask<bool> WaitForRecordsAsync(ShardPosition from, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        var deadline = Time.GetUtcNow() + timeout;
        while (true)
        {
            Task signal;
            lock (gate)
            {
                if (closed)
                {
                    return false;
                }

                var shard = ShardById(from.ShardId, nameof(from));
                var next = shard.Index.FirstAtOrAfter(from.Position);
                if (!shard.IsOpen || (next < shard.Index.End && shard.Index.Position(next) < Interlocked.Read(ref visibleTo)))
                {
                    return true;
                }

                signal = (arrival ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }

            var remaining = deadline - Time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return false;
            }

            try
            {
                await signal.WaitAsync(remaining, Time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return false;
            }
        }
    }

    private ShardPosition LatestLocked(ShardState shard) => new(shard.Id, shard.EndPosition ?? log.AppendedPosition);

    private ReadPlan PlanRead(ShardPosition from, int maxRecords, long maxBytes)
    {
        lock (gate)
        {
            ThrowIfClosed();
            var shard = ShardById(from.ShardId, nameof(from));
            var now = Now();
            TrimExpired(shard, now);
            if (definition.EnforceShardQuotas && !(shard.Quota ??= new ShardQuota(now)).TryRead(now, out var retryAfter))
            {
                throw new StreamThroughputExceededException(
                    $"Rate exceeded for shard {shard.Id} in stream {Name}: at most {StreamLimits.ShardReadCallsPerSecond} reads and "
                    + $"{StreamLimits.ShardReadBytesPerSecond} bytes per second.", retryAfter);
            }

            var index = shard.Index;
            var visible = Interlocked.Read(ref visibleTo);
            var first = index.FirstAtOrAfter(from.Position);
            var number = first;
            long bytes = 0;
            while (number < index.End && number - first < maxRecords && index.Position(number) < visible
                && (number == first || bytes + index.Length(number) <= maxBytes))
            {
                bytes += index.Length(number);
                number++;
            }

            var slots = new (long Position, int Length, long ArrivalMs)[number - first];
            for (var i = first; i < number; i++)
            {
                slots[i - first] = (index.Position(i), index.Length(i), index.Arrival(i));
            }

            shard.ReadCalls++;
            shard.RecordsRead += slots.Length;
            shard.Quota?.ChargeRead(bytes);
            var behind = number < index.End ? Math.Max(0, now - index.Arrival(number)) : 0;
            var atEnd = !shard.IsOpen && number == index.End;
            var resume = slots.Length > 0 ? slots[^1].Position + 1 : from.Position;
            return new ReadPlan(
                shard.Number,
                slots,
                atEnd ? null : new ShardPosition(shard.Id, resume),
                behind,
                atEnd ? [.. shards.Where(s => s.Parent == shard.Number || s.AdjacentParent == shard.Number).Select(s => s.Describe())] : []);
        }
    }

    /// <summary>Reads the planned records from the log, neighbours together, outside the stream's lock, each checked
    /// against its checksum.</summary>
    private StreamRecord[] Fetch(ReadPlan plan)
    {
        var slots = plan.Records;
        var records = new StreamRecord[slots.Length];
        var frame = SegmentLog.RecordOverhead;
        var i = 0;
        while (i < slots.Length)
        {
            var start = slots[i].Position;
            var end = i + 1;
            while (end < slots.Length && slots[end].Position - (slots[end - 1].Position + frame + slots[end - 1].Length) <= CoalesceGap
                && slots[end].Position + frame + slots[end].Length - start <= MaxReadSpan)
            {
                end++;
            }

            var last = slots[end - 1];
            var buffer = GC.AllocateUninitializedArray<byte>((int)(last.Position + frame + last.Length - start));
            log.Read(start, buffer);
            for (; i < end; i++)
            {
                var slot = slots[i];
                var at = (int)(slot.Position - start);
                log.PayloadOf(buffer.AsSpan(at, frame + slot.Length), out _); // the checksum: a damaged record is an error, never data
                var (key, data) = StreamCodec.ReadBody(buffer.AsMemory(at + frame, slot.Length));
                records[i] = new StreamRecord(
                    StreamCodec.SequenceNumber(slot.Position, plan.Shard), DateTimeOffset.FromUnixTimeMilliseconds(slot.ArrivalMs), key, data);
            }
        }

        return records;
    }

    private sealed record ReadPlan(
        int Shard,
        (long Position, int Length, long ArrivalMs)[] Records,
        ShardPosition? Next,
        long MillisBehindLatest,
        IReadOnlyList<ShardDescription> Children);
}
