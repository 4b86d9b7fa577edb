namespace Spillway.Exports;

/// <summary>
/// Where export files go, as S3 would hold them: whole objects by key, written once, read with ranges, deleted when
/// they expire. <see cref="LocalDirectoryObjectStore"/> is the default.
/// </summary>
public interface IObjectStore
{
    /// <summary>
    /// Stores an object whose content <paramref name="write"/> produces; the object appears under
    /// <paramref name="key"/> only once it is complete and durable, never half-written. Returns its length in bytes.
    /// </summary>
    Task<long> PutAsync(string key, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default);

    /// <summary>Opens an object for reading (seekable, so ranges can be served); null when there is none.</summary>
    Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Deletes an object; false when there was none.</summary>
    Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);
}
