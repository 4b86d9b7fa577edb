namespace Spillway.Storage.Tests;

/// <summary>
/// The real file device, with faults that hit only the background zero fill of the segment being written (a write of
/// nothing but zeros is the fill's; the log's own groups always carry a checksummed frame): its writes can fail as on
/// a full disk, or the fsync after it can fail as after a failed write-back.
/// </summary>
public sealed class ZeroFillFaultDevice : IStorageDevice
{
    private readonly IStorageDevice inner = FileStorageDevice.Instance;
    private int zeroWrites;

    /// <summary>Zero-fill writes seen so far.</summary>
    public int ZeroWrites => Volatile.Read(ref zeroWrites);

    /// <summary>When set, zero-fill writes throw as on a full disk.</summary>
    public volatile bool FailZeroWrites;

    /// <summary>When set, an fsync of a file that took a zero-fill write since its last fsync throws (EIO).</summary>
    public volatile bool FailSyncAfterZeroWrite;

    public IStorageFile Open(string path, bool create) => new File(this, inner.Open(path, create));

    public bool FileExists(string path) => inner.FileExists(path);

    public void DeleteFile(string path) => inner.DeleteFile(path);

    public void Rename(string source, string destination) => inner.Rename(source, destination);

    public IReadOnlyList<string> ListFiles(string directory, string suffix) => inner.ListFiles(directory, suffix);

    public IReadOnlyList<string> ListDirectories(string directory) => inner.ListDirectories(directory);

    public void CreateDirectory(string path) => inner.CreateDirectory(path);

    public void DeleteDirectory(string path) => inner.DeleteDirectory(path);

    public void SyncDirectory(string path) => inner.SyncDirectory(path);

    public IDisposable LockExclusive(string path) => inner.LockExclusive(path);

    public long GetFreeBytes(string path) => inner.GetFreeBytes(path);

    private sealed class File(ZeroFillFaultDevice device, IStorageFile inner) : IStorageFile
    {
        private volatile bool zeroWritten;

        public long Length => inner.Length;

        public void Write(long offset, ReadOnlySpan<byte> data)
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

            inner.Write(offset, data);
        }

        public int Read(long offset, Span<byte> destination) => inner.Read(offset, destination);

        public void Sync()
        {
            if (zeroWritten && device.FailSyncAfterZeroWrite)
            {
                throw new IOException("injected fsync failure after the zero fill (EIO)");
            }

            zeroWritten = false;
            inner.Sync();
        }

        public void Truncate(long length) => inner.Truncate(length);

        public void Dispose() => inner.Dispose();
    }
}
