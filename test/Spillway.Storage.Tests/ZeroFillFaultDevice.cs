namespace Spillway.Storage.Tests;

/// <summary>
/// The real file device, with faults that hit only the background zero fill of the segment being written (a write of
/// nothing but zeros is the fill's; the log's own groups always carry a checksummed frame): its writes can fail as on
/// a full disk, or the fsync after it can fail as after a failed write-back.
/// </summary>
public sealed class ZeroFillFaultDevice : ForwardingStorageDevice
{
    private int zeroWrites;

    /// <summary>Zero-fill writes seen so far.</summary>
    public int ZeroWrites => Volatile.Read(ref zeroWrites);

    /// <summary>When set, zero-fill writes throw as on a full disk.</summary>
    public volatile bool FailZeroWrites;

    /// <summary>When set, an fsync of a file that took a zero-fill write since its last fsync throws (EIO).</summary>
    public volatile bool FailSyncAfterZeroWrite;

    public override IStorageFile Open(string path, bool create) => new File(this, Inner.Open(path, create));

    private sealed class File(ZeroFillFaultDevice device, IStorageFile inner) : ForwardingStorageFile(inner)
    {
        private volatile bool zeroWritten;

        public override void Write(long offset, ReadOnlySpan<byte> data)
        {
            if (data.Length > 0 && !data.ContainsAnyExcept((byte)0))
            {
                Interlocked.Increment(ref device.zeroWrites);
                if (device.FailZeroWrites)
                {
                    throw new IOException("injected: no space left on device");
                }

                zeroWritten = true;
            }

            Inner.Write(offset, data);
        }

        public override void Sync()
        {
            if (zeroWritten && device.FailSyncAfterZeroWrite)
            {
                throw new IOException("injected fsync failure after the zero fill (EIO)");
            }

            zeroWritten = false;
            Inner.Sync();
        }
    }
}
