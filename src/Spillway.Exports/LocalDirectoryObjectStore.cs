using Spillway.Storage;

namespace Spillway.Exports;

/// <summary>
/// Objects as files in one directory. A put writes a temporary name, fsyncs it, renames it over the key and fsyncs
/// the directory, so a crash leaves either the whole object or none (and at most a stray temporary file, removed
/// at the next start).
/// </summary>
public sealed class LocalDirectoryObjectStore : IObjectStore
{
    private const string TemporaryPrefix = ".tmp-";
    private const int WriteBufferBytes = 1 << 20;
    private readonly IStorageDevice device = FileStorageDevice.Instance;

    /// <summary>Uses (and creates) <paramref name="directory"/>; removes temporary files a crash left behind.</summary>
    public LocalDirectoryObjectStore(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
        device.CreateDirectory(Directory);
        foreach (var stray in System.IO.Directory.EnumerateFiles(Directory, TemporaryPrefix + "*"))
        {
            File.Delete(stray);
        }
    }

    /// <summary>The directory holding the objects.</summary>
    public string Directory { get; }

    /// <inheritdoc />
    public async Task<long> PutAsync(string key, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        var path = PathOf(key);
        var temporary = Path.Combine(Directory, TemporaryPrefix + Guid.NewGuid().ToString("N"));
        try
        {
            long length;
            var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, WriteBufferBytes, FileOptions.None);
            await using (file.ConfigureAwait(false))
            {
                await write(file, cancellationToken).ConfigureAwait(false);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
                length = file.Length;
            }

            device.Rename(temporary, path);
            return length;
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <inheritdoc />
    public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        try
        {
            return Task.FromResult<Stream?>(new FileStream(
                path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024, FileOptions.Asynchronous));
        }
        catch (FileNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        if (!File.Exists(path))
        {
            return Task.FromResult(false);
        }

        device.DeleteFile(path);
        device.SyncDirectory(Directory);
        return Task.FromResult(true);
    }

    /// <summary>Keys are plain file names: letters, digits, '.', '-' and '_', not starting with '.'.</summary>
    private string PathOf(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (key.Length > 200 || key[0] == '.' || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
        {
            throw new ArgumentException($"'{key}' is not a valid object key.", nameof(key));
        }

        return Path.Combine(Directory, key);
    }
}
