using Spillway.Messaging.Streams;

namespace Spillway.Aggregations;

/// <summary>How an <see cref="AggregationRunner"/> reads and checkpoints. Every setter validates.</summary>
public sealed record AggregationRunnerOptions
{
    private readonly TimeSpan checkpointInterval = TimeSpan.FromSeconds(1);
    private readonly int checkpointRecords = 1_000_000;
    private readonly int readBatchSize = 1_000;
    private readonly TimeSpan pollInterval = TimeSpan.FromMilliseconds(200);
    private readonly TimeSpan retryInitialDelay = TimeSpan.FromSeconds(1);
    private readonly TimeSpan retryMaxDelay = TimeSpan.FromSeconds(30);
    private readonly IteratorStart startAt = IteratorStart.TrimHorizon;
    private readonly TimeProvider timeProvider = TimeProvider.System;

    /// <summary>Longest time between writes while records arrive or rows wait: the delay a row can see on its way to the
    /// output. 10 ms to 10 minutes; defaults to 1 second.</summary>
    public TimeSpan CheckpointInterval
    {
        get => checkpointInterval;
        init => checkpointInterval = InRange(value, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(10), nameof(CheckpointInterval));
    }

    /// <summary>Most records read between two writes, so a replay after a crash is bounded even when records come faster
    /// than the engine takes them in a <see cref="CheckpointInterval"/>. 1 to 10,000,000; defaults to 1,000,000: a write
    /// carries the whole window state, so the interval should pace writes, not the record count (10,000 devices over
    /// 5-minute hopping windows hold 3 MB of state, which a write every 100,000 records wrote ten times per million).</summary>
    public int CheckpointRecords
    {
        get => checkpointRecords;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(CheckpointRecords));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 10_000_000, nameof(CheckpointRecords));
            checkpointRecords = value;
        }
    }

    /// <summary>Most records one read of a shard returns. 1 to 10,000 (Kinesis's GetRecords limit); defaults to 1,000.</summary>
    public int ReadBatchSize
    {
        get => readBatchSize;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(ReadBatchSize));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 10_000, nameof(ReadBatchSize));
            readBatchSize = value;
        }
    }

    /// <summary>How long the runner waits when no shard had a record, before reading (and listing shards) again. 1 ms to
    /// 10 seconds; defaults to 200 ms.</summary>
    public TimeSpan PollInterval
    {
        get => pollInterval;
        init => pollInterval = InRange(value, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(10), nameof(PollInterval));
    }

    /// <summary>First wait after a failure (a read, or a write to the output) before starting over from the last
    /// checkpoint; doubles up to <see cref="RetryMaxDelay"/>. Defaults to 1 second.</summary>
    public TimeSpan RetryInitialDelay
    {
        get => retryInitialDelay;
        init => retryInitialDelay = InRange(value, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(10), nameof(RetryInitialDelay));
    }

    /// <summary>Longest wait between retries. Defaults to 30 seconds.</summary>
    public TimeSpan RetryMaxDelay
    {
        get => retryMaxDelay;
        init => retryMaxDelay = InRange(value, TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1), nameof(RetryMaxDelay));
    }

    /// <summary>Where a shard without a checkpoint position is read from: <see cref="IteratorStart.TrimHorizon"/> (the
    /// default: the oldest record kept) or <see cref="IteratorStart.Latest"/>. A child shard of a reshard always starts at
    /// its oldest record.</summary>
    public IteratorStart StartAt
    {
        get => startAt;
        init => startAt = value is IteratorStart.TrimHorizon or IteratorStart.Latest
            ? value
            : throw new ArgumentOutOfRangeException(nameof(StartAt), value, "An aggregation starts at TrimHorizon or Latest.");
    }

    /// <summary>The clock of polling, checkpoints, idleness and early firing. Defaults to the system clock.</summary>
    public TimeProvider TimeProvider
    {
        get => timeProvider;
        init => timeProvider = value ?? throw new ArgumentNullException(nameof(TimeProvider));
    }

    private static TimeSpan InRange(TimeSpan value, TimeSpan min, TimeSpan max, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, min, name);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, max, name);
        return value;
    }
}
