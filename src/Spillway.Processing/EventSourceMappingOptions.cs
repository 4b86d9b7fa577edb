using Spillway.Messaging;

namespace Spillway.Processing;

/// <summary>
/// Settings of one <see cref="EventSourceMapping"/>: how a queue feeds its handler. Names, ranges and defaults follow
/// AWS Lambda's SQS event-source mapping. Every setter validates, so a built object is always usable, and a copy made
/// with <c>with</c> carries every setting.
/// </summary>
public sealed record EventSourceMappingOptions
{
    /// <summary>Largest batch size accepted (as Lambda allows for a standard queue).</summary>
    public const int MaxBatchSize = 10_000;

    /// <summary>Longest batching window accepted (as Lambda allows).</summary>
    public static readonly TimeSpan MaxBatchingWindow = TimeSpan.FromSeconds(300);


    private readonly int batchSize = 10;
    private readonly int? coalescedBatchSize;
    private readonly TimeSpan maximumBatchingWindow = TimeSpan.Zero;
    private readonly int maximumConcurrency = 2;
    private readonly TimeSpan? visibilityTimeout;
    private readonly TimeSpan pollWaitTime = TimeSpan.FromSeconds(20);
    private readonly TimeSpan unavailableRetryInitialDelay = TimeSpan.FromSeconds(1);
    private readonly TimeSpan unavailableRetryMaxDelay = TimeSpan.FromSeconds(30);
    private readonly TimeProvider timeProvider = TimeProvider.System;

    /// <summary>
    /// Most messages handed to one handler invocation. 1–10,000; defaults to 10, as Lambda. Lambda also asks for a
    /// batching window of at least 1 s above 10 because SQS returns at most 10 per receive; the embedded queue returns
    /// up to 10,000 per receive, so Spillway does not need that rule.
    /// </summary>
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

    /// <summary>
    /// Most messages handed to one invocation while more than <see cref="BatchSize"/> are waiting, for a handler whose
    /// cost is mostly per invocation and that takes batches of any size (the SQL sink, which bounds each statement
    /// itself): a receive then takes what is waiting up to this many, so a backlog drains in a few large writes instead of
    /// many small ones. A batch is still ready at <see cref="BatchSize"/>: the batching window never waits for more.
    /// <see cref="BatchSize"/>–10,000; defaults to null, every invocation at most <see cref="BatchSize"/> (as Lambda),
    /// which is what a handler that sees its batches (an HTTP function, a C# handler) gets.
    /// </summary>
    public int? CoalescedBatchSize
    {
        get => coalescedBatchSize;
        init
        {
            if (value is { } size)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(size, 1, nameof(CoalescedBatchSize));
                ArgumentOutOfRangeException.ThrowIfGreaterThan(size, MaxBatchSize, nameof(CoalescedBatchSize));
            }

            coalescedBatchSize = value;
        }
    }

    /// <summary>Most messages one invocation takes: <see cref="CoalescedBatchSize"/> when set and larger, else <see cref="BatchSize"/>.</summary>
    public int MaxMessagesPerInvocation => Math.Max(BatchSize, CoalescedBatchSize ?? 0);

    /// <summary>
    /// How long to keep gathering messages after the first one arrives before invoking the handler with a batch that
    /// is not full. 0–300 s; defaults to 0 (invoke with whatever one receive returned), as Lambda.
    /// </summary>
    public TimeSpan MaximumBatchingWindow
    {
        get => maximumBatchingWindow;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero, nameof(MaximumBatchingWindow));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxBatchingWindow, nameof(MaximumBatchingWindow));
            maximumBatchingWindow = value;
        }
    }

    /// <summary>
    /// Most handler invocations running at once; while that many run, nothing more is received, so no message is taken
    /// that cannot be delivered. At least 1; defaults to 2, the seed's setting (Lambda itself asks for 2–1,000).
    /// </summary>
    public int MaximumConcurrency
    {
        get => maximumConcurrency;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(MaximumConcurrency));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 1_000, nameof(MaximumConcurrency));
            maximumConcurrency = value;
        }
    }

    /// <summary>
    /// Visibility timeout asked for on receive; null uses the queue's own. 0 s–12 h; defaults to null. It should exceed
    /// the batching window plus the handler's running time (AWS advises 6× the function timeout), or messages reappear
    /// while still being handled.
    /// </summary>
    public TimeSpan? VisibilityTimeout
    {
        get => visibilityTimeout;
        init
        {
            if (value is { } v)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(v, TimeSpan.Zero, nameof(VisibilityTimeout));
                ArgumentOutOfRangeException.ThrowIfGreaterThan(v, QueueLimits.MaxVisibilityTimeout, nameof(VisibilityTimeout));
            }

            visibilityTimeout = value;
        }
    }

    /// <summary>Whether the mapping polls at all; a disabled mapping's Start does nothing. Defaults to true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// Long-poll wait of each receive. 1–20 s; defaults to 20 s (the SQS maximum), so an idle queue costs almost
    /// nothing and a new message is picked up at once. Short polling (0) is not offered: it would spin on an idle queue.
    /// </summary>
    public TimeSpan PollWaitTime
    {
        get => pollWaitTime;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.FromSeconds(1), nameof(PollWaitTime));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TimeSpan.FromSeconds(20), nameof(PollWaitTime));
            pollWaitTime = value;
        }
    }

    /// <summary>
    /// First wait before retrying a batch whose sink was unavailable; each further retry waits twice as long, up to
    /// <see cref="UnavailableRetryMaxDelay"/>. 1 ms–5 min; defaults to 1 s.
    /// </summary>
    public TimeSpan UnavailableRetryInitialDelay
    {
        get => unavailableRetryInitialDelay;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.FromMilliseconds(1), nameof(UnavailableRetryInitialDelay));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TimeSpan.FromMinutes(5), nameof(UnavailableRetryInitialDelay));
            unavailableRetryInitialDelay = value;
        }
    }

    /// <summary>
    /// Longest wait between retries of a batch whose sink was unavailable. 1 ms–1 h; defaults to 30 s, so a returning
    /// database is noticed within half a minute.
    /// </summary>
    public TimeSpan UnavailableRetryMaxDelay
    {
        get => unavailableRetryMaxDelay;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.FromMilliseconds(1), nameof(UnavailableRetryMaxDelay));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TimeSpan.FromHours(1), nameof(UnavailableRetryMaxDelay));
            unavailableRetryMaxDelay = value;
        }
    }

    /// <summary>Clock for the batching window and retry backoff. Defaults to <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider
    {
        get => timeProvider;
        init => timeProvider = value ?? throw new ArgumentNullException(nameof(TimeProvider));
    }

    /// <summary>Checks the settings that depend on each other; throws <see cref="ArgumentException"/> naming the key.</summary>
    public void Validate()
    {
        if (UnavailableRetryInitialDelay > UnavailableRetryMaxDelay)
        {
            throw new ArgumentException(
                $"{nameof(UnavailableRetryInitialDelay)} ({UnavailableRetryInitialDelay}) must not exceed " +
                $"{nameof(UnavailableRetryMaxDelay)} ({UnavailableRetryMaxDelay}).",
                nameof(UnavailableRetryInitialDelay));
        }
    }
}
