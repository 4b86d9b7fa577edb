using Spillway.Messaging.Streams;

namespace Spillway.Processing;

/// <summary>Where a stream consumer without a checkpoint starts in a shard (Lambda's StartingPosition).</summary>
public enum StreamStartingPosition
{
    /// <summary>The oldest record kept (TRIM_HORIZON).</summary>
    TrimHorizon,

    /// <summary>Only records put after the consumer started (LATEST).</summary>
    Latest,

    /// <summary>The first record that arrived at or after <see cref="StreamConsumerOptions.StartingPositionTimestamp"/> (AT_TIMESTAMP).</summary>
    AtTimestamp,
}

/// <summary>
/// Settings of one <see cref="StreamConsumer"/>: how a stream feeds its handler. Names, ranges and defaults follow AWS
/// Lambda's Kinesis event-source mapping; every setter validates, so a built object is always usable.
/// </summary>
public sealed record StreamConsumerOptions
{
    /// <summary>Largest batch size accepted (as Lambda allows for Kinesis).</summary>
    public const int MaxBatchSize = 10_000;

    /// <summary>Largest parallelization factor accepted (as Lambda allows).</summary>
    public const int MaxParallelizationFactor = 10;

    /// <summary>Largest retry count accepted; -1 means "until the record expires".</summary>
    public const int MaxRetryAttempts = 10_000;

    /// <summary>Shortest maximum record age accepted, other than -1 (none).</summary>
    public static readonly TimeSpan MinRecordAge = TimeSpan.FromSeconds(60);

    /// <summary>Longest maximum record age accepted (7 days).</summary>
    public static readonly TimeSpan MaxRecordAge = TimeSpan.FromSeconds(604_800);

    private readonly int batchSize = 100;
    private readonly TimeSpan maximumBatchingWindow = TimeSpan.Zero;
    private readonly int parallelizationFactor = 1;
    private readonly int maximumRetryAttempts = -1;
    private readonly TimeSpan? maximumRecordAge;
    private readonly TimeSpan pollWaitTime = TimeSpan.FromSeconds(1);
    private readonly TimeSpan retryInitialDelay = TimeSpan.FromSeconds(1);
    private readonly TimeSpan retryMaxDelay = TimeSpan.FromSeconds(30);
    private readonly TimeProvider timeProvider = TimeProvider.System;

    /// <summary>Most records handed to one invocation, all from one shard. 1–10,000; defaults to 100, as Lambda.</summary>
    public int BatchSize
    {
        get => batchSize;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(BatchSize));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxBatchSize, nameof(BatchSize));
            batchSize = value;
        }
    }

    /// <summary>How long to keep gathering records after the first before invoking with a batch that is not full.
    /// 0–300 s; defaults to 0, as Lambda.</summary>
    public TimeSpan MaximumBatchingWindow
    {
        get => maximumBatchingWindow;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero, nameof(MaximumBatchingWindow));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, EventSourceMappingOptions.MaxBatchingWindow, nameof(MaximumBatchingWindow));
            maximumBatchingWindow = value;
        }
    }

    /// <summary>Where a shard without a checkpoint starts. Defaults to <see cref="StreamStartingPosition.TrimHorizon"/>, so
    /// nothing put before the consumer first ran is skipped (Lambda asks for it explicitly). Children of a reshard always
    /// start at their oldest record, after their parents.</summary>
    public StreamStartingPosition StartingPosition { get; init; } = StreamStartingPosition.TrimHorizon;

    /// <summary>For <see cref="StreamStartingPosition.AtTimestamp"/>: the time to start at. Required there.</summary>
    public DateTimeOffset? StartingPositionTimestamp { get; init; }

    /// <summary>Batches of one shard handled at once, records of one partition key always in the same one, in order.
    /// 1–10; defaults to 1, as Lambda.</summary>
    public int ParallelizationFactor
    {
        get => parallelizationFactor;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(ParallelizationFactor));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxParallelizationFactor, nameof(ParallelizationFactor));
            parallelizationFactor = value;
        }
    }

    /// <summary>On a handler error, split the batch in two and retry each half; a split does not count as a retry.
    /// Defaults to false, as Lambda.</summary>
    public bool BisectBatchOnFunctionError { get; init; }

    /// <summary>Retries of a batch that failed before its records are discarded (and reported to the on-failure queue).
    /// -1 (retry until the records expire) or 0–10,000; defaults to -1, as Lambda. A sink outage is not counted.</summary>
    public int MaximumRetryAttempts
    {
        get => maximumRetryAttempts;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, -1, nameof(MaximumRetryAttempts));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxRetryAttempts, nameof(MaximumRetryAttempts));
            maximumRetryAttempts = value;
        }
    }

    /// <summary>Records older than this are discarded unhandled (and reported to the on-failure queue). Null (Lambda's -1:
    /// only the stream's retention applies) or 60 s–7 days; defaults to null.</summary>
    public TimeSpan? MaximumRecordAge
    {
        get => maximumRecordAge;
        init
        {
            if (value is { } age)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(age, MinRecordAge, nameof(MaximumRecordAge));
                ArgumentOutOfRangeException.ThrowIfGreaterThan(age, MaxRecordAge, nameof(MaximumRecordAge));
            }

            maximumRecordAge = value;
        }
    }

    /// <summary>Honour partial batch responses: the handler's failed records name sequence numbers, the shard's
    /// checkpoint stops before the lowest, and the batch is retried from there. Defaults to false, as Lambda, which then
    /// ignores what the handler reports.</summary>
    public bool ReportBatchItemFailures { get; init; }

    /// <summary>The queue that receives Lambda's on-failure record (the shard and sequence range, not the data) of each
    /// discarded batch; null to discard silently. Defaults to null.</summary>
    public string? OnFailureQueue { get; init; }

    /// <summary>How long one read waits on an idle shard before reading again. 1 ms–20 s; defaults to 1 s, Lambda's polling rate.</summary>
    public TimeSpan PollWaitTime
    {
        get => pollWaitTime;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.FromMilliseconds(1), nameof(PollWaitTime));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TimeSpan.FromSeconds(20), nameof(PollWaitTime));
            pollWaitTime = value;
        }
    }

    /// <summary>First wait before retrying a failed batch or one whose sink was unavailable; doubling up to
    /// <see cref="RetryMaxDelay"/>. 1 ms–5 min; defaults to 1 s.</summary>
    public TimeSpan RetryInitialDelay
    {
        get => retryInitialDelay;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.FromMilliseconds(1), nameof(RetryInitialDelay));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TimeSpan.FromMinutes(5), nameof(RetryInitialDelay));
            retryInitialDelay = value;
        }
    }

    /// <summary>Longest wait between retries. 1 ms–1 h; defaults to 30 s.</summary>
    public TimeSpan RetryMaxDelay
    {
        get => retryMaxDelay;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.FromMilliseconds(1), nameof(RetryMaxDelay));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TimeSpan.FromHours(1), nameof(RetryMaxDelay));
            retryMaxDelay = value;
        }
    }

    /// <summary>Whether the consumer runs at all. Defaults to true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The region in event source ARNs and on-failure records. Defaults to "us-east-1".</summary>
    public string Region { get; init; } = "us-east-1";

    /// <summary>The account id in event source ARNs and on-failure records. Defaults to "000000000000".</summary>
    public string AccountId { get; init; } = "000000000000";

    /// <summary>Clock for record ages, the batching window and retries. Defaults to <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider
    {
        get => timeProvider;
        init => timeProvider = value ?? throw new ArgumentNullException(nameof(TimeProvider));
    }

    /// <summary>Checks the settings that depend on each other; throws <see cref="ArgumentException"/> naming the setting.</summary>
    public void Validate()
    {
        if (StartingPosition == StreamStartingPosition.AtTimestamp && StartingPositionTimestamp is null)
        {
            throw new ArgumentException(
                $"{nameof(StartingPositionTimestamp)} is required when {nameof(StartingPosition)} is AtTimestamp.", nameof(StartingPositionTimestamp));
        }

        if (RetryInitialDelay > RetryMaxDelay)
        {
            throw new ArgumentException(
                $"{nameof(RetryInitialDelay)} ({RetryInitialDelay}) must not exceed {nameof(RetryMaxDelay)} ({RetryMaxDelay}).",
                nameof(RetryInitialDelay));
        }
    }

    internal IteratorStart IteratorStart => StartingPosition switch
    {
        StreamStartingPosition.Latest => IteratorStart.Latest,
        StreamStartingPosition.AtTimestamp => IteratorStart.AtTimestamp,
        _ => IteratorStart.TrimHorizon,
    };
}
