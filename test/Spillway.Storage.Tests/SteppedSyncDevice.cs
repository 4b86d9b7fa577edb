using System.Collections.Concurrent;

namespace Spillway.Storage.Tests;

/// <summary>
/// The real file device whose file fsyncs each wait until the test lets that one through, in any order, and then
/// succeed or fail as the test says: to line up groups whose fsyncs overlap.
/// </summary>
public sealed class SteppedSyncDevice : IStorageDevice
{
    private readonly IStorageDevice inner = FileStorageDevice.Instance;
    private readonly BlockingCollection<HeldSync> entered = [];

    /// <summary>The next fsync to arrive, once it is waiting; null if none arrives in time.</summary>
    public HeldSync? NextSync(TimeSpan timeout) => entered.TryTake(out var held, timeout) ? held : null;

    public IStorageFile Open(string path, bool create) => new SteppedFile(this, inner.Open(path, create));

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

    /// <summary>One fsync waiting for the test.</summary>
    public sealed class HeldSync
    {
        private readonly ManualResetEventSlim released = new();
        private bool fail;

        /// <summary>Set once the fsync has returned to the log (succeeded or failed).</summary>
        public ManualResetEventSlim Done { get; } = new();

        public void Release() => released.Set();

        public void Fail()
        {
            fail = true;
            released.Set();
        }

        internal void Wait(IStorageFile file)
        {
            try
            {
                if (!released.Wait(TimeSpan.FromSeconds(30)))
                {
                    throw new TimeoutException("The test never released this fsync.");
                }

                if (fail)
                {
                    throw new IOException("injected fsync failure (EIO)");
                }

                file.Sync();
            }
            finally
            {
                Done.Set();
            }
        }
    }

    private sealed class SteppedFile(SteppedSyncDevice device, IStorageFile inner) : IStorageFile
    {
        public long Length => inner.Length;

        public void Write(long offset, ReadOnlySpan<byte> data) => inner.Write(offset, data);

        public int Read(long offset, Span<byte> destination) => inner.Read(offset, destination);

        public void Sync()
        {
            var held = new HeldSync();
            device.entered.Add(held);
            held.Wait(inner);
        }

        public void Truncate(long length) => inner.Truncate(length);

        public void Dispose() => inner.Dispose();
    }
}
