namespace Spillway.Storage;

/// <summary>
/// Every disk operation the storage engine performs. The engine never touches <see cref="File"/> or
/// <see cref="Directory"/> itself, so tests can inject torn writes, failing fsyncs, a full disk or flipped bits.
/// </summary>
public interface IStorageDevice
{
    /// <summary>Opens a file for reading and writing; creates it (empty) when <paramref name="create"/> is true.</summary>
    IStorageFile Open(string path, bool create);

    /// <summary>Whether the file exists.</summary>
    bool FileExists(string path);

    /// <summary>Deletes a file; no error when it is already gone.</summary>
    void DeleteFile(string path);

    /// <summary>Atomically replaces <paramref name="destination"/> with <paramref name="source"/>, then makes the rename durable.</summary>
    void Rename(string source, string destination);

    /// <summary>
    /// Names (not paths) of the files in <paramref name="directory"/> that end in <paramref name="suffix"/>, sorted ordinally.
    /// </summary>
    IReadOnlyList<string> ListFiles(string directory, string suffix);

    /// <summary>Names of the sub-directories of <paramref name="directory"/>, sorted ordinally.</summary>
    IReadOnlyList<string> ListDirectories(string directory);

    /// <summary>Creates a directory (and its parents) and makes its entry durable.</summary>
    void CreateDirectory(string path);

    /// <summary>Deletes a directory and everything in it; no error when it is already gone.</summary>
    void DeleteDirectory(string path);

    /// <summary>Makes the directory's entries (created, renamed, deleted files) durable.</summary>
    void SyncDirectory(string path);

    /// <summary>
    /// Takes an exclusive lock on <paramref name="path"/> (created if missing) until the result is disposed; throws
    /// <see cref="IOException"/> when another holder has it. A process that dies releases its locks.
    /// </summary>
    IDisposable LockExclusive(string path);

    /// <summary>Bytes free for an unprivileged user on the disk that holds <paramref name="path"/>.</summary>
    long GetFreeBytes(string path);
}

/// <summary>An open file of an <see cref="IStorageDevice"/>. Reads may run concurrently with one writer.</summary>
public interface IStorageFile : IDisposable
{
    /// <summary>The file's current length.</summary>
    long Length { get; }

    /// <summary>Writes all of <paramref name="data"/> at <paramref name="offset"/>.</summary>
    void Write(long offset, ReadOnlySpan<byte> data);

    /// <summary>Reads up to <paramref name="destination"/>.Length bytes at <paramref name="offset"/>; returns how many were read.</summary>
    int Read(long offset, Span<byte> destination);

    /// <summary>Flushes written data and the file's metadata to stable storage (fsync).</summary>
    void Sync();

    /// <summary>Cuts the file to <paramref name="length"/> bytes.</summary>
    void Truncate(long length);
}
