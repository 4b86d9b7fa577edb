using Spillway.DeliveryStreams;
using Spillway.Messaging.Streams;
using Spillway.Transport;

namespace Spillway.Hosting;

/// <summary>
/// Feeds delivery streams whose source is a Spillway stream (Firehose's <c>KinesisStreamAsSource</c>): one reader per
/// such delivery stream reads every shard, parents before children, and puts each batch with its shard and sequence
/// numbers, so the delivery stream's own log says where to resume and no record is read in twice. Readers start and
/// stop as delivery streams are made and deleted.
/// </summary>
internal sealed partial class DeliveryStreamSources(DeliveryStreamStore store, IStreamTransport? streams, TimeProvider time, ILogger logger)
    : IAsyncDisposable
{
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(200);
    private readonly CancellationTokenSource stopping = new();
    private readonly Dictionary<string, (DeliveryStream Stream, Task Reader, CancellationTokenSource Stop)> readers = new(StringComparer.Ordinal);
    private Task? loop;

    public void Start() => loop = Task.Run(() => SuperviseAsync(stopping.Token));

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        if (loop is not null)
        {
            await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        foreach (var reader in readers.Values)
        {
            await StopAsync(reader).ConfigureAwait(false);
        }

        stopping.Dispose();
    }

    private async Task SuperviseAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var current = store.List().Where(s => s.Definition.Source is not null).ToDictionary(s => s.Definition.Name, StringComparer.Ordinal);
            foreach (var (name, reader) in readers.ToList())
            {
                if (!current.TryGetValue(name, out var stream) || !ReferenceEquals(stream, reader.Stream))
                {
                    readers.Remove(name);
                    await StopAsync(reader).ConfigureAwait(false);
                }
            }

            foreach (var (name, stream) in current)
            {
                if (!readers.ContainsKey(name))
                {
                    var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    readers[name] = (stream, Task.Run(() => ReadAsync(stream, stop.Token), CancellationToken.None), stop);
                }
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static async Task StopAsync((DeliveryStream Stream, Task Reader, CancellationTokenSource Stop) reader)
    {
        await reader.Stop.CancelAsync().ConfigureAwait(false);
        await reader.Reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        reader.Stop.Dispose();
    }

    /// <summary>Reads the source into the delivery stream until stopped, starting again after a failure.</summary>
    private async Task ReadAsync(DeliveryStream target, CancellationToken cancellationToken)
    {
        var source = target.Definition.Source!;
        var name = target.Definition.Name;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (streams is null)
                {
                    throw new StreamNotFoundException($"This node's transport has no streams to read {source.Stream} from.");
                }

                await using var reader = streams.OpenSource(source.Stream);
                await new ShardWalk(reader, target, source, store.CreatedAt(name) ?? time.GetUtcNow(), time).RunAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogReadFailed(logger, name, source.Stream, e.Message);
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(5), time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery stream {Name} could not read its source stream {Stream}, tried again in 5 s: {Error}")]
    private static partial void LogReadFailed(ILogger logger, string name, string stream, string error);

    /// <summary>One pass over a stream's shards, as long as it runs: each shard from where the delivery stream's log
    /// says it stopped, a parent read to its end before its children start.</summary>
    private sealed class ShardWalk(IStreamSource reader, DeliveryStream target, DeliveryStreamSource source, DateTimeOffset createdAt, TimeProvider time)
    {
        private const int BatchSize = 500;
        private readonly Dictionary<string, ShardPosition> positions = new(StringComparer.Ordinal);
        private readonly HashSet<string> finished = new(StringComparer.Ordinal);

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var shards = await reader.ListShardsAsync(cancellationToken).ConfigureAwait(false);
                var listed = shards.Select(s => s.ShardId).ToHashSet(StringComparer.Ordinal);
                var read = 0;
                foreach (var shard in shards)
                {
                    // A parent no longer listed was trimmed away: nothing of it is left to read first.
                    if (finished.Contains(shard.ShardId)
                        || (shard.ParentShardId is { } parent && listed.Contains(parent) && !finished.Contains(parent))
                        || (shard.AdjacentParentShardId is { } adjacent && listed.Contains(adjacent) && !finished.Contains(adjacent)))
                    {
                        continue;
                    }

                    read += await ReadShardAsync(shard, cancellationToken).ConfigureAwait(false);
                }

                if (read == 0)
                {
                    await Task.Delay(Idle, time, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        private async Task<int> ReadShardAsync(ShardDescription shard, CancellationToken cancellationToken)
        {
            if (!positions.TryGetValue(shard.ShardId, out var position))
            {
                position = target.SourcePosition(shard.ShardId) is { } after
                    ? await reader.SeekAsync(shard.ShardId, IteratorStart.AfterSequenceNumber, after, null, cancellationToken).ConfigureAwait(false)
                    : source.FromOldest
                        ? await reader.SeekAsync(shard.ShardId, IteratorStart.TrimHorizon, null, null, cancellationToken).ConfigureAwait(false)
                        : await reader.SeekAsync(shard.ShardId, IteratorStart.AtTimestamp, null, createdAt, cancellationToken).ConfigureAwait(false);
            }

            var result = await reader.ReadAsync(position, BatchSize, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
            if (result.Records.Count > 0)
            {
                await target.PutFromSourceAsync(
                    shard.ShardId,
                    [.. result.Records.Select(r => r.SequenceNumber)],
                    [.. result.Records.Select(r => r.Data)],
                    cancellationToken).ConfigureAwait(false);
            }

            if (result.Next is { } next)
            {
                positions[shard.ShardId] = next;
            }
            else
            {
                finished.Add(shard.ShardId);
            }

            return result.Records.Count;
        }
    }
}
