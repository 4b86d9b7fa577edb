using Spillway.Storage;

namespace Spillway.Storage.Tests;

/// <summary>
/// The real file device with faults a test can switch on: a write torn after N bytes, failing fsyncs, a full disk,
/// and an fsync that blocks until released (to line up concurrent appends). Counts writes and fsyncs.
/// </summary>
public sealed class FaultInjectingDevice : ForwardingStorageDevice
{
    private int fileSyncs;
    private int writes;
    private int segmentDeletes;

    /// <summary>fsyncs of files (directory fsyncs are not counted).</summary>
    public int FileSyncs => Volatile.Read(ref fileSyncs);

    public int Writes => Volatile.Read(ref writes);

    /// <summary>When set, every file fsync throws (as Linux reports EIO after a failed write-back).</summary>
    public volatile bool FailSyncs;

    /// <summary>
    /// When set, the next write to a segment file persists only this many bytes, then throws (a crash in mid-write).
    /// Other files (the background zero-filling of the next segment) are not torn.
    /// </summary>
    public int? TearNextWriteAfter { get; set; }

    /// <summary>When set, this many more segment files may be deleted; the next deletion throws (a crash before it).</summary>
    public int? FailSegmentDeletesAfter { get; set; }

    /// <summary>When set, every directory fsync throws (a crash after a rename or deletion, before it is durable).</summary>
    public volatile bool FailDirectorySyncs;

    /// <summary>Segment files deleted so far.</summary>
    public int SegmentDeletes => Volatile.Read(ref segmentDeletes);

    /// <summary>When set, the free space the device reports.</summary>
    public long? FreeBytes { get; set; }

    /// <summary>When set, fsyncs wait on it: the test holds the writer inside an fsync while appends pile up.</summary>
    public ManualResetEventSlim? SyncGate { get; set; }

    /// <summary>Set when an fsync starts waiting on <see cref="SyncGate"/>.</summary>
    public ManualResetEventSlim SyncEntered { get; } = new();

    /// <summary>When set, only the fsyncs of files whose path it accepts wait on <see cref="SyncGate"/> or fail with
    /// <see cref="FailSyncs"/>.</summary>
    public Func<string, bool>? SyncFaultsApply { get; set; }

    public override IStorageFile Open(string path, bool create) =>
        new FaultyFile(this, Inner.Open(path, create), path);

    public override void DeleteFile(string path)
    {
        if (path.EndsWith(".seg", StringComparison.Ordinal) && FailSegmentDeletesAfter is { } allowed)
        {
            if (allowed <= 0)
            {
                throw new IOException("injected failure deleting a segment");
            }

            FailSegmentDeletesAfter = allowed - 1;
        }

        Inner.DeleteFile(path);
        if (path.EndsWith(".seg", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref segmentDeletes);
        }
    }

    public override void SyncDirectory(string path)
    {
        if (FailDirectorySyncs)
        {
            throw new IOException("injected directory fsync failure");
        }

        Inner.SyncDirectory(path);
    }

    public override long GetFreeBytes(string path) => FreeBytes ?? Inner.GetFreeBytes(path);

    /// <summary>Flips one bit of a file on disk (between runs).</summary>
    public static void FlipBit(string path, long offset, int bit = 0)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = offset;
        var value = stream.ReadByte();
        stream.Position = offset;
        stream.WriteByte((byte)(value ^ (1 << bit)));
    }

    private sealed class FaultyFile(FaultInjectingDevice device, IStorageFile inner, string path) : ForwardingStorageFile(inner)
    {
        private readonly bool isSegment = path.EndsWith(".seg", StringComparison.Ordinal);

        public override void Write(long offset, ReadOnlySpan<byte> data)
        {
            Interlocked.Increment(ref device.writes);
            if (isSegment && device.TearNextWriteAfter is { } keep)
            {
                device.TearNextWriteAfter = null;
                Inner.Write(offset, data[..Math.Min(keep, data.Length)]);
                throw new IOException("injected torn write");
            }

            Inner.Write(offset, data);
        }

        public override void Sync()
        {
            Interlocked.Increment(ref device.fileSyncs);
            var applies = device.SyncFaultsApply?.Invoke(path) != false;
            if (device.SyncGate is { } gate && applies)
            {
                device.SyncEntered.Set();
                gate.Wait(TimeSpan.FromSeconds(30));
            }

            if (device.FailSyncs && applies)
            {
                throw new IOException("injected fsync failure (EIO)");
            }

            Inner.Sync();
        }
    }
}
