using Spillway.Aggregations.Internal;

namespace Spillway.Aggregations;

/// <summary>
/// The windowing engine of one aggregation: records in, result rows and late records out. Pure and single-threaded (one
/// caller at a time); time comes only from the injected clock. A record's fields are pulled from its JSON without
/// allocating; only a new key, a new window and an emitted row allocate.
/// </summary>
/// <remarks>
/// <para>Watermark: each partition (a shard) tracks the newest event time it has delivered; the watermark is the least of
/// those over the partitions not idle, minus <see cref="AggregationDefinition.MaxOutOfOrderness"/>. A partition with no
/// record for <see cref="AggregationDefinition.IdleTimeout"/> (processing time) stops holding it back; once all are idle
/// the watermark follows the clock: the newest event time, minus the out-of-orderness, plus the time since the last record.
/// So windows close when the input goes quiet. The watermark never moves back.</para>
/// <para>A window fires when the watermark reaches its end. A record for a window that fired less than
/// <see cref="AggregationDefinition.AllowedLateness"/> ago updates it and its row is emitted again
/// (<see cref="ResultKind.Update"/>); a record too late for every window it belongs to goes to the late records.</para>
/// </remarks>
public sealed partial class AggregationEngine
{
    private const string DefaultPartition = "";

    private readonly Plan plan;
    private readonly RecordFields fields;
    private readonly KeyTable keys = new();
    private readonly WindowState windows;
    private readonly TimeProvider time;
    private readonly List<Partition> partitions = [];
    private readonly Dictionary<string, int> partitionIndex = new(StringComparer.Ordinal);
    private readonly List<AggregateResult> rows = [];
    private readonly List<LateRecord> late = [];
    private readonly long outOfOrderness;
    private readonly long idleTimeout;
    private readonly long earlyEvery;
    private long watermark = long.MinValue;
    private long newestEventTime = long.MinValue;
    private long lastRecordAt;
    private long lastEarlyAt;
    private long recordsIn;
    private long filtered;
    private long lateCount;
    private long invalid;
    private long emitted;
    private long stateBytes;

    /// <param name="definition">The aggregation; validated here.</param>
    /// <param name="time">The clock of idleness and early firing; <see cref="TimeProvider.System"/> when null.</param>
    public AggregationEngine(AggregationDefinition definition, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        definition.Validate();
        Definition = definition;
        this.time = time ?? TimeProvider.System;
        plan = new Plan(definition);
        fields = new RecordFields(plan.Paths);
        windows = WindowState.Create(plan, keys);
        outOfOrderness = (long)definition.MaxOutOfOrderness.TotalMilliseconds;
        idleTimeout = (long)definition.IdleTimeout.TotalMilliseconds;
        earlyEvery = (long)(definition.EarlyFireInterval?.TotalMilliseconds ?? 0);
        lastRecordAt = lastEarlyAt = Now();
    }

    public AggregationDefinition Definition { get; }

    /// <summary>The watermark; null before the first record.</summary>
    public DateTimeOffset? Watermark => watermark == long.MinValue ? null : DateTimeOffset.FromUnixTimeMilliseconds(watermark);

    /// <summary>True when rows or late records wait for <see cref="TakeOutput"/> or <see cref="Checkpoint"/>.</summary>
    public bool HasPendingOutput => rows.Count > 0 || late.Count > 0 || windows.HasUpdates;

    public AggregationStatistics Statistics => new(
        recordsIn, filtered, lateCount, invalid, emitted, windows.OpenWindows, Watermark, stateBytes);

    /// <summary>Starts tracking a partition (a shard) of the input; its number is what <see cref="Add"/> takes. Opening a
    /// name again returns its number and makes it active again.</summary>
    public int OpenPartition(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!partitionIndex.TryGetValue(name, out var index))
        {
            index = partitions.Count;
            partitionIndex.Add(name, index);
            partitions.Add(new Partition(name));
        }

        partitions[index].Closed = false;
        partitions[index].LastRecordAt = Now();
        return index;
    }

    /// <summary>A partition read to its end (a closed shard): it no longer holds the watermark back.</summary>
    public void ClosePartition(int partition)
    {
        partitions[partition].Closed = true;
        Advance(Now());
    }

    /// <summary>Adds one record (a JSON object) of the input's only partition.</summary>
    /// <param name="record">The record's bytes.</param>
    /// <param name="recordId">Where it came from, kept with it if it is late or invalid.</param>
    public void Add(ReadOnlySpan<byte> record, string? recordId = null)
    {
        if (partitions.Count == 0)
        {
            OpenPartition(DefaultPartition);
        }

        Add(record, 0, recordId);
    }

    /// <summary>Adds one record (a JSON object) of a partition from <see cref="OpenPartition"/>.</summary>
    /// <param name="record">The record's bytes.</param>
    /// <param name="partition">The partition's number.</param>
    /// <param name="sequenceNumber">Its place in the partition: a late or invalid record is kept with
    /// "partition/sequenceNumber" as its id (just this on the unnamed partition). The id is only spelled for those.</param>
    public void Add(ReadOnlySpan<byte> record, int partition, string? sequenceNumber = null)
    {
        recordsIn++;
        var now = Now();
        var source = partitions[partition];
        source.LastRecordAt = now;
        lastRecordAt = now;
        if (!fields.Read(record) || !fields.TryEventTime(plan.EventTimeSlot, out var eventTime))
        {
            invalid++;
            late.Add(new LateRecord(LateReason.Invalid, source.RecordId(sequenceNumber), null, Watermark, record.ToArray()));
            return;
        }

        if (!plan.Passes(fields))
        {
            filtered++;
            return;
        }

        var key = keys.Find(fields, plan.KeySlots);
        if (key < 0)
        {
            invalid++;
            late.Add(new LateRecord(
                LateReason.Invalid, source.RecordId(sequenceNumber), DateTimeOffset.FromUnixTimeMilliseconds(eventTime), Watermark, record.ToArray()));
            return;
        }

        if (!windows.Add(key, eventTime, fields, watermark))
        {
            lateCount++;
            late.Add(new LateRecord(
                LateReason.Late, source.RecordId(sequenceNumber), DateTimeOffset.FromUnixTimeMilliseconds(eventTime), Watermark, record.ToArray()));
            return;
        }

        if (eventTime > source.NewestEventTime)
        {
            source.NewestEventTime = eventTime;
            newestEventTime = Math.Max(newestEventTime, eventTime);
            Advance(now);
        }
    }

    /// <summary>
    /// Lets processing time act: idle partitions stop holding the watermark, a quiet input moves it with the clock, and
    /// early rows are emitted when due. The runner calls it after every read; tests after moving their clock.
    /// </summary>
    public void Tick()
    {
        var now = Now();
        Advance(now);
        if (earlyEvery > 0 && now - lastEarlyAt >= earlyEvery)
        {
            lastEarlyAt = now;
            var before = rows.Count;
            windows.EmitEarly(rows);
            emitted += rows.Count - before;
        }
    }

    /// <summary>The rows and late records emitted since the last call, without a checkpoint.</summary>
    public AggregationOutput TakeOutput()
    {
        Flush();
        var output = new AggregationOutput([.. rows], [.. late], null);
        rows.Clear();
        late.Clear();
        return output;
    }

    private void Advance(long now)
    {
        var least = long.MaxValue;
        var active = false;
        foreach (var p in partitions)
        {
            if (!p.Closed && now - p.LastRecordAt < idleTimeout)
            {
                active = true;
                least = Math.Min(least, p.NewestEventTime);
            }
        }

        long candidate;
        if (active)
        {
            candidate = least == long.MinValue ? long.MinValue : least - outOfOrderness;
        }
        else
        {
            candidate = newestEventTime == long.MinValue ? long.MinValue : newestEventTime - outOfOrderness + (now - lastRecordAt);
        }

        if (candidate > watermark)
        {
            watermark = candidate;
        }

        if (watermark >= windows.NextFire)
        {
            var before = rows.Count;
            windows.Fire(watermark, rows);
            emitted += rows.Count - before;
        }
    }

    private void Flush()
    {
        var before = rows.Count;
        windows.FlushUpdates(rows);
        emitted += rows.Count - before;
    }

    private long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();

    private sealed class Partition(string name)
    {
        public string Name { get; } = name;

        public long NewestEventTime { get; set; } = long.MinValue;

        public long LastRecordAt { get; set; }

        public bool Closed { get; set; }

        public string? RecordId(string? sequenceNumber) =>
            sequenceNumber is null || Name.Length == 0 ? sequenceNumber : Name + "/" + sequenceNumber;
    }
}
