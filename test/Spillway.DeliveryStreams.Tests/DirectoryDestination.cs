using System.Threading.Channels;

namespace Spillway.DeliveryStreams.Tests;

/// <summary>
/// Files delivered into a directory (bucket/key), each written to a temporary file and renamed, and announced on
/// <see cref="Delivered"/>. <see cref="FailNext"/> makes the next writes fail, to exercise the retries.
/// </summary>
public sealed class DirectoryDestination : IDisposable
{
    private readonly Channel<string> delivered = Channel.CreateUnbounded<string>();
    private int failures;
    private int failuresAfterWriting;

    public string Root { get; } = Directory.CreateTempSubdirectory("spillway-delivery-").FullName;

    public ChannelReader<string> Delivered => delivered.Reader;

    public int Attempts { get; private set; }

    public void FailNext(int count) => Interlocked.Exchange(ref failures, count);

    /// <summary>The next writes store their file and then fail, as a crash between storing and recording it would.</summary>
    public void FailAfterWriting(int count) => Interlocked.Exchange(ref failuresAfterWriting, count);

    public async Task WriteAsync(DeliveredObject file, CancellationToken cancellationToken)
    {
        Attempts++;
        if (Interlocked.Decrement(ref failures) >= 0)
        {
            throw new IOException("The destination is down.");
        }

        var path = Path.Combine(Root, file.Bucket, file.Key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".partial";
        await using (var output = File.Create(temporary))
        {
            await file.WriteAsync(output, cancellationToken);
        }

        File.Move(temporary, path, overwrite: true);
        await delivered.Writer.WriteAsync(file.Key, cancellationToken);
        if (Interlocked.Decrement(ref failuresAfterWriting) >= 0)
        {
            throw new IOException("The answer was lost.");
        }
    }

    public async Task<string> NextAsync() => await delivered.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

    public byte[] Read(string bucket, string key) => File.ReadAllBytes(Path.Combine(Root, bucket, key));

    public IReadOnlyList<string> Keys(string bucket) =>
        Directory.Exists(Path.Combine(Root, bucket))
            ? [.. Directory.EnumerateFiles(Path.Combine(Root, bucket), "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(Path.Combine(Root, bucket), f).Replace('\\', '/')).Order(StringComparer.Ordinal)]
            : [];

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
