namespace Spillway.Exports;

/// <summary>Settings of the export jobs. Each setter validates; the host binds them from <c>Spillway:Exports</c>.</summary>
public sealed class ExportOptions
{
    private readonly int maxConcurrency = 1;
    private readonly int maxAttempts = 5;
    private readonly TimeSpan retryInitialDelay = TimeSpan.FromSeconds(2);
    private readonly TimeSpan retryMaxDelay = TimeSpan.FromMinutes(1);
    private readonly TimeSpan expireAfter = TimeSpan.FromDays(7);
    private readonly string queueName = "spillway-exports";
    private readonly TimeProvider timeProvider = TimeProvider.System;
    private readonly long maxRowsPerSecond;
    private readonly long busyMaxRowsPerSecond = DefaultBusyMaxRowsPerSecond;
    private readonly int niceness = 19;

    /// <summary>Directory of the jobs' durable state. Required.</summary>
    public required string JobDirectory { get; init; }

    /// <summary>The object store's bucket export files go into, created at start when missing. Defaults to
    /// "spillway-exports", so <c>aws s3 ls s3://spillway-exports</c> lists them.</summary>
    public string Bucket { get; init; } = "spillway-exports";

    /// <summary>
    /// The engine queue jobs pass through. Defaults to "spillway-exports". Its messages only say which job to run;
    /// the job's state lives in <see cref="JobDirectory"/>.
    /// </summary>
    public string QueueName
    {
        get => queueName;
        init => queueName = !string.IsNullOrWhiteSpace(value) ? value : throw new ArgumentException("QueueName is required.", nameof(QueueName));
    }

    /// <summary>
    /// Jobs running at once. 1–16; defaults to 1: an export is one long query, and the database serves ingest first.
    /// </summary>
    public int MaxConcurrency
    {
        get => maxConcurrency;
        init => maxConcurrency = InRange(value, 1, 16, nameof(MaxConcurrency));
    }

    /// <summary>Runs of a job while the database is unreachable before it fails. 1–100; defaults to 5.</summary>
    public int MaxAttempts
    {
        get => maxAttempts;
        init => maxAttempts = InRange(value, 1, 100, nameof(MaxAttempts));
    }

    /// <summary>Wait before the second run; doubles each time up to <see cref="RetryMaxDelay"/>. Defaults to 2 s.</summary>
    public TimeSpan RetryInitialDelay
    {
        get => retryInitialDelay;
        init => retryInitialDelay = Positive(value, TimeSpan.FromHours(1), nameof(RetryInitialDelay));
    }

    /// <summary>Longest wait between runs. Defaults to 1 min.</summary>
    public TimeSpan RetryMaxDelay
    {
        get => retryMaxDelay;
        init => retryMaxDelay = Positive(value, TimeSpan.FromHours(6), nameof(RetryMaxDelay));
    }

    /// <summary>How long a finished file is kept before it is deleted (state Expired). Defaults to 7 days.</summary>
    public TimeSpan ExpireAfter
    {
        get => expireAfter;
        init => expireAfter = Positive(value, TimeSpan.FromDays(3650), nameof(ExpireAfter));
    }

    /// <summary>
    /// Rows per second a job writes at most while the write path is quiet. 0 (no cap) to 100,000,000; defaults to 0:
    /// with nothing else to do, the requester should not wait for a cap. See <see cref="BusyMaxRowsPerSecond"/>.
    /// </summary>
    public long MaxRowsPerSecond
    {
        get => maxRowsPerSecond;
        init => maxRowsPerSecond = InRange(value, 0, MaxRate, nameof(MaxRowsPerSecond));
    }

    /// <summary>
    /// Rows per second a job that runs at the server's own priority writes at most while <see cref="IngestBusy"/> says
    /// the write path is busy, so that a "Download" click does not slow the burst of writes the server exists for: NDJSON,
    /// and CSV from databases without a bulk export (SQLite, MariaDB), whose rows the driver and the formatter handle on
    /// the thread pool. A CSV from PostgreSQL runs at <see cref="Niceness"/> instead and is not held to it. 0 (no cap) to
    /// 100,000,000; defaults to 50,000: measured on two cores, HTTP ingest kept its rate (within the noise) while a
    /// million-row row-by-row export took 20 s; 100,000 cost it up to a tenth, no cap 40–55%.
    /// </summary>
    public long BusyMaxRowsPerSecond
    {
        get => busyMaxRowsPerSecond;
        init => busyMaxRowsPerSecond = InRange(value, 0, MaxRate, nameof(BusyMaxRowsPerSecond));
    }

    /// <summary>
    /// Nice value (Linux, 0 to 19) of the thread that makes a CSV from PostgreSQL's bulk export and writes it to the
    /// file. Defaults to 19: the export takes the CPU the write path leaves, and the database's side of the COPY, which
    /// waits on the socket while this side reads slower, yields with it. 0 runs it at the server's own priority, and
    /// then <see cref="BusyMaxRowsPerSecond"/> holds it as it holds every other export.
    /// </summary>
    public int Niceness
    {
        get => niceness;
        init => niceness = InRange(value, 0, 19, nameof(Niceness));
    }

    /// <summary>
    /// Whether the write path (ingest and the workers) is busy now; asked every few hundred rows, so it must be cheap.
    /// Defaults to null: never busy. The server passes <see cref="IngestActivity.IsBusy"/> over its queues.
    /// </summary>
    public Func<bool>? IngestBusy { get; init; }

    /// <summary>
    /// The server's public address, so a notice can carry an absolute download link; null (the default) gives the
    /// link as a path.
    /// </summary>
    public Uri? PublicBaseUrl { get; init; }

    /// <summary>Clock of retries, timestamps and expiry. Defaults to <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider
    {
        get => timeProvider;
        init => timeProvider = value ?? throw new ArgumentNullException(nameof(TimeProvider));
    }

    /// <summary>The default of <see cref="BusyMaxRowsPerSecond"/>.</summary>
    public const long DefaultBusyMaxRowsPerSecond = 50_000;

    private const long MaxRate = 100_000_000;

    private static long InRange(long value, long min, long max, string name) =>
        value >= min && value <= max ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be from {min} to {max}.");

    private static int InRange(int value, int min, int max, string name) =>
        value >= min && value <= max ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be from {min} to {max}.");

    private static TimeSpan Positive(TimeSpan value, TimeSpan max, string name) =>
        value > TimeSpan.Zero && value <= max
            ? value
            : throw new ArgumentOutOfRangeException(name, value, $"{name} must be more than zero and at most {max}.");
}
