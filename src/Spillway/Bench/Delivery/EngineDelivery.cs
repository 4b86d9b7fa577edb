using System.Diagnostics;
using Spillway.DeliveryStreams;
using Spillway.Objects.Local;
using Spillway.Storage;

namespace Spillway.Bench.Delivery;

/// <summary>
/// A delivery stream in this process with Firehose's default hints (5 MiB, 300 s) and a newline after each record,
/// writing into a local object store: producers put batches, each durable before the next, and the run ends when a
/// flush has stored the last file.
/// </summary>
internal sealed class EngineDelivery : DeliveryContender
{
    private readonly DeliveryStreamStore streams;
    private readonly int producers;
    private readonly int batchSize;

    private EngineDelivery(DeliveryStreamStore streams, bool gzip, int producers, int batchSize)
        : base(gzip ? "engine gzip" : "engine", gzip)
    {
        this.streams = streams;
        this.producers = producers;
        this.batchSize = batchSize;
    }

    public static EngineDelivery Open(string directory, bool gzip, int producers, int batchSize)
    {
        var objects = new LocalObjectStore(Path.Combine(directory, "objects"));
        var streams = DeliveryStreamStore.Open(
            FileStorageDevice.Instance,
            Path.Combine(directory, "streams"),
            Hosting.DeliveryStreamsHosting.WriterFor(objects));
        return new EngineDelivery(streams, gzip, producers, batchSize);
    }

    public override async Task<double> RunAsync(byte[] input, int recordLength, CancellationToken cancellationToken)
    {
        var name = "bench-" + Guid.NewGuid().ToString("N");
        var stream = await streams.CreateAsync(new DeliveryStreamDefinition
        {
            Name = name,
            Bucket = "bench",
            AppendNewline = true,
            Compression = Compressed ? DeliveryCompression.Gzip : DeliveryCompression.None,
        }, cancellationToken).ConfigureAwait(false);
        try
        {
            var records = input.Length / (recordLength + 1);
            var next = -batchSize;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, producers).Select(_ => Task.Run(async () =>
            {
                int first;
                while ((first = Interlocked.Add(ref next, batchSize)) < records)
                {
                    var batch = new ReadOnlyMemory<byte>[Math.Min(batchSize, records - first)];
                    for (var i = 0; i < batch.Length; i++)
                    {
                        batch[i] = input.AsMemory((first + i) * (recordLength + 1), recordLength);
                    }

                    await stream.PutAsync(batch, cancellationToken).ConfigureAwait(false);
                }
            }, cancellationToken))).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            return clock.Elapsed.TotalSeconds;
        }
        finally
        {
            await streams.DeleteAsync(name, CancellationToken.None).ConfigureAwait(false);
        }
    }

    public override ValueTask DisposeAsync() => streams.DisposeAsync();
}
