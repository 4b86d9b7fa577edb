using Spillway.Storage;

namespace Spillway.Messaging;

/// <summary>Settings of a <see cref="QueueEngine"/>; immutable once built, each validated when set.</summary>
public sealed class QueueEngineOptions
{
    private readonly long minimumFreeDiskBytes = 256L * 1024 * 1024;
    private readonly long segmentSize = 64L * 1024 * 1024;
    private readonly long bodyCacheBytes = 32L * 1024 * 1024;
    private readonly int maxIdempotencyKeys = 250_000;
    private readonly double compactionThreshold = 0.25;
    private readonly double? fifoSendRateLimit;

    /// <summary>Directory that holds every queue's segments. Required.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Clock for visibility timeouts, delays and retention. Defaults to <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where the engine's meter (<see cref="QueueEngine.MeterName"/>) comes from, so a host's metrics reader
    /// tells its engine apart from another's; null (the default) makes a meter of the engine's own.</summary>
    public System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; init; }

    /// <summary>
    /// Sends are refused (with <see cref="Storage.StorageFullException"/>) when the disk holding the data directory has
    /// less free space than this, and accepted again once it has more; receives and deletes go on. At least 0; defaults
    /// to 256 MiB, so the process and the operating system keep room to breathe. Free space is checked at most every
    /// 250 ms on the send path, so the reserve should cover what arrives in that time: a write that finds the disk
    /// full stops the log (fail-stop) instead of being refused.
    /// </summary>
    public long MinimumFreeDiskBytes
    {
        get => minimumFreeDiskBytes;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            minimumFreeDiskBytes = value;
        }
    }

    /// <summary>
    /// Size at which a queue's log starts a new segment file. 64 KiB–1 GiB; defaults to 64 MiB, so a fully acknowledged
    /// segment is deleted soon while rolling stays rare.
    /// </summary>
    public long SegmentSize
    {
        get => segmentSize;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 64 * 1024);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 1024L * 1024 * 1024);
            segmentSize = value;
        }
    }

    /// <summary>
    /// Bytes of recent message bodies each queue keeps in memory; older bodies are read back from the segment files.
    /// 0–16 GiB; defaults to 32 MiB, which covers a consumer that keeps up while bounding memory under a large backlog.
    /// </summary>
    public long BodyCacheBytes
    {
        get => bodyCacheBytes;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 16L * 1024 * 1024 * 1024);
            bodyCacheBytes = value;
        }
    }

    /// <summary>
    /// Most idempotency keys each queue remembers; past it the oldest are forgotten before their 24 hours. Each costs
    /// about 250 bytes of memory. 0–100,000,000; defaults to 250,000 (about 60 MB per queue at the limit), which covers
    /// a day of keyed sends at about 3 per second, or the last minute at 4,000 per second.
    /// </summary>
    public int MaxIdempotencyKeys
    {
        get => maxIdempotencyKeys;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 100_000_000);
            maxIdempotencyKeys = value;
        }
    }

    /// <summary>
    /// Live fraction under which a queue's oldest closed segments are compacted: when the messages still alive in a run
    /// of them take less than this share of their bytes, they are copied forward to the end of the log and the old
    /// segments are deleted, so one long-lived message (in flight or delayed for hours, waiting for a dead-letter move)
    /// no longer keeps every later segment on disk. 0 turns compaction off; 0–0.9. Defaults to 0.25: a compaction copies
    /// at most a quarter of what it frees, and the closed segments take at most about four times their live bytes.
    /// </summary>
    public double CompactionThreshold
    {
        get => compactionThreshold;
        init
        {
            if (!(value >= 0 && value <= 0.9))
            {
                throw new ArgumentOutOfRangeException(nameof(CompactionThreshold), value, "CompactionThreshold must be 0-0.9.");
            }

            compactionThreshold = value;
        }
    }

    /// <summary>
    /// Send quota of FIFO queues, in messages per second, applied to the whole queue or to each message group as the
    /// queue's <see cref="QueueDefinition.FifoThroughputLimit"/> says (perQueue or perMessageGroupId). A send over it is
    /// refused whole with <see cref="QueueThrottledException"/> (SQS's RequestThrottled) and stores nothing; up to one
    /// second of quota may be used at once, so a batch larger than that is always refused. Measured on
    /// <see cref="TimeProvider"/>. 1–10,000,000, or null for no quota; defaults to null, because a self-hosted queue
    /// has no shared fleet to protect and should take whatever its disk can.
    /// </summary>
    public double? FifoSendRateLimit
    {
        get => fifoSendRateLimit;
        init
        {
            if (value is { } rate && !(rate >= 1 && rate <= 10_000_000))
            {
                throw new ArgumentOutOfRangeException(nameof(FifoSendRateLimit), value, "FifoSendRateLimit must be 1-10,000,000 or null.");
            }

            fifoSendRateLimit = value;
        }
    }

    /// <summary>Whether compaction starts by itself as segments fill. Defaults to true; tests turn it off to run each step.</summary>
    internal bool CompactAutomatically { get; init; } = true;

    /// <summary>
    /// Turns a topic's notification into the message a subscription's queue receives. Defaults to the raw body with its
    /// attributes; the host gives the SNS envelope.
    /// </summary>
    public Topics.NotificationRenderer? NotificationRenderer { get; init; }

    /// <summary>The disk. Defaults to the real file system; tests pass a fault-injecting device.</summary>
    public IStorageDevice Device { get; init; } = FileStorageDevice.Instance;
}
