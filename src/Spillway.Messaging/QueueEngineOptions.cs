using Spillway.Storage;

namespace Spillway.Messaging;

/// <summary>Settings of a <see cref="QueueEngine"/>; immutable once built, each validated when set.</summary>
public sealed class QueueEngineOptions
{
    private readonly long minimumFreeDiskBytes = 256L * 1024 * 1024;
    private readonly long segmentSize = 64L * 1024 * 1024;
    private readonly long bodyCacheBytes = 32L * 1024 * 1024;
    private readonly int maxIdempotencyKeys = 250_000;

    /// <summary>Directory that holds every queue's segments. Required.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Clock for visibility timeouts, delays and retention. Defaults to <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Sends are refused (with <see cref="Storage.StorageFullException"/>) when the disk holding the data directory has
    /// less free space than this. Defaults to 256 MiB, so the process and the operating system keep room to breathe.
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

    /// <summary>The disk. Defaults to the real file system; tests pass a fault-injecting device.</summary>
    public IStorageDevice Device { get; init; } = FileStorageDevice.Instance;
}
