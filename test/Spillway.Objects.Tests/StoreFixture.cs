using System.Text;
using Spillway.Objects.Local;
using Spillway.TestKit;

namespace Spillway.Objects.Tests;

/// <summary>A local store in a fresh directory on a clock the test moves.</summary>
public abstract class StoreFixture : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-objects-");

    protected StoreFixture()
    {
        Store = new LocalObjectStore(Root, Clock);
    }

    protected ManualTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 1, 1, 10, 30, 0, TimeSpan.Zero));

    protected string Root => Path.Combine(work.FullName, "objects");

    protected LocalObjectStore Store { get; private set; }

    /// <summary>Opens the store again over the same directory, as a restart does.</summary>
    protected void Reopen() => Store = new LocalObjectStore(Root, Clock);

    protected Task<ObjectInfo> PutAsync(string bucket, string key, byte[] content, ObjectProperties? properties = null) =>
        Store.PutAsync(bucket, key, (stream, ct) => stream.WriteAsync(content, ct).AsTask(), properties);

    protected Task<ObjectInfo> PutAsync(string bucket, string key, string content) => PutAsync(bucket, key, Encoding.UTF8.GetBytes(content));

    protected async Task<byte[]?> ReadAsync(string bucket, string key)
    {
        var found = await Store.OpenReadAsync(bucket, key);
        if (found is null)
        {
            return null;
        }

        await using (found)
        {
            using var copy = new MemoryStream();
            await found.Content.CopyToAsync(copy);
            return copy.ToArray();
        }
    }

    protected IEnumerable<string> FilesUnder(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Root, f));

    public void Dispose()
    {
        work.Delete(recursive: true);
        GC.SuppressFinalize(this);
    }
}
