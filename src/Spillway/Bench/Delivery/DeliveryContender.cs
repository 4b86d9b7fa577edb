using System.Diagnostics;
using Spillway.Storage;

namespace Spillway.Bench.Delivery;

/// <summary>
/// One way of turning a run of records into a durable file. A run returns the seconds from the first byte taken to the
/// file being durable. <paramref name="Compressed"/> says which baseline it is judged against.
/// </summary>
internal abstract class DeliveryContender(string name, bool compressed) : IAsyncDisposable
{
    public string Name { get; } = name;

    public bool Compressed { get; } = compressed;

    /// <param name="input">The records, each followed by a newline: the bytes every contender's file holds (before gzip).</param>
    /// <param name="recordLength">Each record's length without its newline.</param>
    public abstract Task<double> RunAsync(byte[] input, int recordLength, CancellationToken cancellationToken);

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>The disk's sequential bandwidth: the same bytes in 1 MiB writes to a new file, then one fdatasync.</summary>
internal sealed class FdatasyncDelivery(string directory) : DeliveryContender("fdatasync", compressed: false)
{
    public override Task<double> RunAsync(byte[] input, int recordLength, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, "fdatasync-" + Guid.NewGuid().ToString("N"));
        try
        {
            var clock = Stopwatch.StartNew();
            using (var file = FileStorageDevice.Instance.Open(path, create: true))
            {
                for (var offset = 0; offset < input.Length; offset += 1024 * 1024)
                {
                    file.Write(offset, input.AsSpan(offset, Math.Min(1024 * 1024, input.Length - offset)));
                }

                file.Sync();
            }

            return Task.FromResult(clock.Elapsed.TotalSeconds);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

/// <summary>
/// <c>gzip -1</c> of the same bytes into a file, then an fsync of it (<c>sync FILE</c>): Debian's gzip as a process, the
/// input already in the page cache.
/// </summary>
internal sealed class GzipDelivery(string directory) : DeliveryContender("gzip -1", compressed: true)
{
    public override async Task<double> RunAsync(byte[] input, int recordLength, CancellationToken cancellationToken)
    {
        var source = Path.Combine(directory, "gzip-in-" + Guid.NewGuid().ToString("N"));
        var target = source.Replace("gzip-in-", "gzip-out-", StringComparison.Ordinal) + ".gz";
        await File.WriteAllBytesAsync(source, input, cancellationToken).ConfigureAwait(false);
        try
        {
            var clock = Stopwatch.StartNew();
            var start = new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", "gzip -1 -c \"$1\" > \"$2\" && sync \"$2\"", "sh", source, target } };
            using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start gzip");
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            var seconds = clock.Elapsed.TotalSeconds;
            return process.ExitCode == 0 ? seconds : throw new InvalidOperationException($"gzip -1 failed with exit code {process.ExitCode}");
        }
        finally
        {
            File.Delete(source);
            File.Delete(target);
        }
    }
}
