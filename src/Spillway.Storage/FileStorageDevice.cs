using Microsoft.Win32.SafeHandles;
using Spillway.Storage.Internal;

namespace Spillway.Storage;

/// <summary>The real disk: positional reads and writes on file handles, fsync through <see cref="RandomAccess.FlushToDisk"/>.</summary>
public sealed class FileStorageDevice : IStorageDevice
{
    /// <summary>The one instance; the device holds no state.</summary>
    public static FileStorageDevice Instance { get; } = new();

    private FileStorageDevice()
    {
    }

    /// <inheritdoc />
    public IStorageFile Open(string path, bool create)
    {
        var handle = File.OpenHandle(
            path, create ? FileMode.OpenOrCreate : FileMode.Open, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
        return new DiskFile(handle);
    }

    /// <inheritdoc />
    public bool FileExists(string path) => File.Exists(path);

    /// <inheritdoc />
    public void DeleteFile(string path) => File.Delete(path);

    /// <inheritdoc />
    public void Rename(string source, string destination)
    {
        File.Move(source, destination, overwrite: true);
        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(destination))!);
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ListFiles(string directory, string suffix)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }

        var names = Directory.EnumerateFiles(directory, "*" + suffix).Select(Path.GetFileName).OfType<string>().ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ListDirectories(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }

        var names = Directory.EnumerateDirectories(directory).Select(Path.GetFileName).OfType<string>().ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <inheritdoc />
    public void CreateDirectory(string path)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            return;
        }

        var parent = Path.GetDirectoryName(full);
        if (parent is not null)
        {
            CreateDirectory(parent);
        }

        Directory.CreateDirectory(full);
        if (parent is not null)
        {
            SyncDirectory(parent);
        }
    }

    /// <inheritdoc />
    public void DeleteDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
            var parent = Path.GetDirectoryName(Path.GetFullPath(path));
            if (parent is not null)
            {
                SyncDirectory(parent);
            }
        }
    }

    /// <inheritdoc />
    public void SyncDirectory(string path) => DirectorySync.Sync(path);

    /// <inheritdoc />
    public IDisposable LockExclusive(string path)
    {
        try
        {
            // FileShare.None is an flock(LOCK_EX) on Unix: exclusive across processes and across opens in one process.
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new IOException($"'{path}' is locked: another engine has this data directory open.", ex);
        }
    }

    /// <inheritdoc />
    public long GetFreeBytes(string path) => new DriveInfo(Path.GetFullPath(path)).AvailableFreeSpace;

    private sealed class DiskFile(SafeFileHandle handle) : IStorageFile
    {
        public long Length => RandomAccess.GetLength(handle);

        public void Write(long offset, ReadOnlySpan<byte> data) => RandomAccess.Write(handle, data, offset);

        public int Read(long offset, Span<byte> destination)
        {
            var total = 0;
            while (total < destination.Length)
            {
                var read = RandomAccess.Read(handle, destination[total..], offset + total);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }

            return total;
        }

        public void Sync()
        {
            if (OperatingSystem.IsLinux())
            {
                // fdatasync: the data and the metadata needed to read it back (the size), without the mtime update
                // that makes a full fsync commit the journal on every call.
                DirectorySync.DataSync(handle);
            }
            else
            {
                RandomAccess.FlushToDisk(handle);
            }
        }

        public void Truncate(long length) => RandomAccess.SetLength(handle, length);

        public void Dispose() => handle.Dispose();
    }
}
