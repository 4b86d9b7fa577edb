using System.Diagnostics;
using Spillway.Storage;

namespace Spillway.Bench.Stream;

/// <summary>
/// The disk's own bandwidth: the same bytes written sequentially in 1 MiB writes to a new file, then one fdatasync
/// (<c>dd bs=1M conv=fdatasync</c>), through the engine's own file device. Nothing is read back: the page cache would
/// answer, so a read adds no disk work to compare.
/// </summary>
internal sealed class FdatasyncContender(string directory) : StreamContender
{
    private const int WriteBytes = 1024 * 1024;

    public override string Name => "fdatasync";

    public override Task<double> RunAsync(byte[] body, int records, CancellationToken cancellationToken)
    {
        var total = (long)body.Length * records;
        var chunk = new byte[WriteBytes];
        Array.Fill(chunk, (byte)'x');
        var path = Path.Combine(directory, "fdatasync-" + Guid.NewGuid().ToString("N") + ".bin");
        try
        {
            var clock = Stopwatch.StartNew();
            using (var file = FileStorageDevice.Instance.Open(path, create: true))
            {
                for (long offset = 0; offset < total; offset += WriteBytes)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    file.Write(offset, chunk.AsSpan(0, (int)Math.Min(WriteBytes, total - offset)));
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
