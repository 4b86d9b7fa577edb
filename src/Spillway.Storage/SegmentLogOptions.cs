namespace Spillway.Storage;

/// <summary>Settings of a <see cref="SegmentLog"/>; immutable, each validated when set.</summary>
public sealed class SegmentLogOptions
{
    private readonly long segmentSize = 64L * 1024 * 1024;
    private readonly int maxRecordSize = 64 * 1024 * 1024;
    private readonly int concurrentSyncs = 2;

    /// <summary>
    /// Size at which the log starts a new segment file. 4 KiB–4 GiB; defaults to 64 MiB, small enough that a fully
    /// acknowledged segment is deleted soon, large enough that rolling is rare.
    /// </summary>
    public long SegmentSize
    {
        get => segmentSize;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 4096);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 4L * 1024 * 1024 * 1024);
            segmentSize = value;
        }
    }

    /// <summary>
    /// Largest record payload accepted, and the sanity limit recovery applies to a length read from disk.
    /// 1 byte–1 GiB; defaults to 64 MiB.
    /// </summary>
    public int MaxRecordSize
    {
        get => maxRecordSize;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 1024 * 1024 * 1024);
            maxRecordSize = value;
        }
    }

    /// <summary>
    /// Whether the next segment file is zero-filled to <see cref="SegmentSize"/> in the background once the current one
    /// is half full. Writes into a pre-zeroed file leave its size unchanged, so each group commit's fdatasync flushes
    /// data only (about twice the commit rate on ext4). Defaults to true; a log's first segment is never
    /// preallocated, so an idle queue costs no disk. While the groups written average a megabyte or more (a stream
    /// taking batches of large records), the log fills no zeros whatever this says: the fill would double the bytes
    /// the disk writes, for a journal commit per fdatasync that costs little next to such a group.
    /// </summary>
    public bool PreallocateSegments { get; init; } = true;

    /// <summary>
    /// How many groups may be in their fsync at the same time, 1-8. Writes stay one at a time in log order and groups
    /// complete in log order whatever the order their fsyncs return; more than one lets the next group start its fsync
    /// while the previous one is still in the device, which most disks serve faster than one after the other.
    /// Defaults to 2.
    /// </summary>
    public int ConcurrentSyncs
    {
        get => concurrentSyncs;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 8);
            concurrentSyncs = value;
        }
    }

    /// <summary>The default settings.</summary>
    public static SegmentLogOptions Default { get; } = new();
}
