using System.Diagnostics;
using Spillway.Messaging;
using Spillway.Messaging.Streams;

namespace Spillway.Bench.Stream;

/// <summary>
/// The engine in process: producers put batches (each durable before it completes, as a PutRecords call is answered),
/// and one reader per shard reads from the oldest record, waiting for new ones as a consumer does. A fresh stream per
/// run, deleted afterwards.
/// </summary>
internal sealed class EngineStreamContender(QueueEngine engine, int shards, int producers, int batchSize) : StreamContender
{
    private const int ReadLimit = StreamLimits.MaxGetRecordsLimit;

    public override string Name => "engine";

    public static async Task<EngineStreamContender> OpenAsync(
        string directory, int shards, int producers, int batchSize, CancellationToken cancellationToken)
    {
        var engine = await QueueEngine.OpenAsync(
            new QueueEngineOptions { DataDirectory = directory, MinimumFreeDiskBytes = 0 }, cancellationToken).ConfigureAwait(false);
        return new EngineStreamContender(engine, shards, producers, batchSize);
    }

    public override async Task<double> RunAsync(byte[] body, int records, CancellationToken cancellationToken)
    {
        var name = "bench-" + Guid.NewGuid().ToString("N");
        var stream = await engine.Streams.CreateAsync(new StreamDefinition { Name = name, ShardCount = shards }, cancellationToken)
            .ConfigureAwait(false);
        try
        {
            using var finished = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var unread = new Unread(records, finished);
            var clock = Stopwatch.StartNew();
            var readers = stream.Shards.Select(shard => ReadAsync(stream, shard.ShardId, body.Length, unread, finished.Token)).ToArray();
            var dealer = new BatchDealer(records, batchSize);
            await Task.WhenAll(Enumerable.Range(0, producers).Select(_ => PutAsync(stream, body, dealer, cancellationToken))).ConfigureAwait(false);
            await Task.WhenAll(readers).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            return clock.Elapsed.TotalSeconds;
        }
        finally
        {
            await engine.Streams.DeleteAsync(name, CancellationToken.None).ConfigureAwait(false);
        }
    }

    public override ValueTask DisposeAsync() => engine.DisposeAsync();

    private static async Task PutAsync(DataStream stream, byte[] body, BatchDealer dealer, CancellationToken cancellationToken)
    {
        await Task.Yield();
        while (dealer.TryTake(out var first, out var count))
        {
            var batch = new StreamRecordInput[count];
            for (var i = 0; i < count; i++)
            {
                // A key per record, so the records spread over every shard as a fleet of devices' would.
                batch[i] = new StreamRecordInput(body, "device-" + (first + i));
            }

            var outcomes = await stream.PutAsync(batch, cancellationToken).ConfigureAwait(false);
            if (outcomes.Any(o => o.Throttled))
            {
                throw new InvalidOperationException("The engine throttled a put, with its shard quotas off.");
            }
        }
    }

    /// <summary>Reads one shard from its oldest record until every record of the run has been read (by any reader).</summary>
    private static async Task ReadAsync(
        DataStream stream, string shardId, int size, Unread unread, CancellationToken finished)
    {
        await Task.Yield();
        var position = stream.Seek(shardId, IteratorStart.TrimHorizon);
        while (!unread.IsEmpty)
        {
            var result = stream.Read(position, ReadLimit);
            if (result.Records.Count > 0)
            {
                foreach (var record in result.Records)
                {
                    if (record.Data.Length != size)
                    {
                        throw new InvalidOperationException($"Read a record of {record.Data.Length} bytes, put {size}.");
                    }
                }

                unread.Take(result.Records.Count);
            }

            if (result.Next is not { } next)
            {
                return;
            }

            position = next;
            if (result.Records.Count == 0)
            {
                try
                {
                    await stream.WaitForRecordsAsync(position, TimeSpan.FromSeconds(1), finished).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (finished.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }
}
