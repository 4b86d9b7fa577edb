namespace Spillway.Storage.Tests;

/// <summary>
/// The real file device, every call passed through: the base of the test devices, which override only the calls
/// they put a fault or a hold into.
/// </summary>
public abstract class ForwardingStorageDevice : IStorageDevice
{
    /// <summary>The real device the calls go to.</summary>
    protected IStorageDevice Inner { get; } = FileStorageDevice.Instance;

    public virtual IStorageFile Open(string path, bool create) => Inner.Open(path, create);

    public bool FileExists(string path) => Inner.FileExists(path);

    public virtual void DeleteFile(string path) => Inner.DeleteFile(path);

    public void Rename(string source, string destination) => Inner.Rename(source, destination);

    public IReadOnlyList<string> ListFiles(string directory, string suffix) => Inner.ListFiles(directory, suffix);

    public IReadOnlyList<string> ListDirectories(string directory) => Inner.ListDirectories(directory);

    public void CreateDirectory(string path) => Inner.CreateDirectory(path);

    public void DeleteDirectory(string path) => Inner.DeleteDirectory(path);

    public virtual void SyncDirectory(string path) => Inner.SyncDirectory(path);

    public IDisposable LockExclusive(string path) => Inner.LockExclusive(path);

    public virtual long GetFreeBytes(string path) => Inner.GetFreeBytes(path);
}

/// <summary>A real file, every call passed through: the base of the test devices' files.</summary>
public abstract class ForwardingStorageFile(IStorageFile inner) : IStorageFile
{
    /// <summary>The real file the calls go to.</summary>
    protected IStorageFile Inner { get; } = inner;

    public long Length => Inner.Length;

    public virtual void Write(long offset, ReadOnlySpan<byte> data) => Inner.Write(offset, data);

    public int Read(long offset, Span<byte> destination) => Inner.Read(offset, destination);

    public virtual void Sync() => Inner.Sync();

    public void Truncate(long length) => Inner.Truncate(length);

    public void Dispose() => Inner.Dispose();
}
