using System.Globalization;
using Spillway.DeliveryStreams.Destinations;
using Spillway.DeliveryStreams.Internal;
using Spillway.DeliveryStreams.Keys;
using Spillway.DeliveryStreams.Transform;
using Spillway.Storage;

namespace Spillway.DeliveryStreams;

/// <summary>
/// A delivery stream: records put into it are durable in its own log before the put is answered, wait in a buffer per
/// partition, and leave as one file per buffer when the size or the time hint is reached (or on <see cref="FlushAsync"/>).
/// Exactly once into files: a file's records are fixed in the log before it is written, so a crash at any point leads to
/// the same file, with the same key and bytes, being written again; never a record in no file, never one in two.
/// </summary>
public sealed partial class DeliveryStream : IAsyncDisposable
{
    private readonly Lock gate = new();
    private readonly SegmentLog log;
    private readonly DeliveryWriter writer;
    private readonly TimeProvider time;
    private readonly TransformInvoker transformer;
    private readonly DeliveryFunctions functions;
    private readonly HttpEndpointSender endpointSender;
    private readonly DeliveryDatabases databases;

    // The stream's creation time: with the name, it tells this stream's rows and requests from those of an older one.
    private readonly string incarnation;

    private readonly Dictionary<string, PartitionBuffer> buffers = new(StringComparer.Ordinal);
    private readonly Queue<PendingFile> owed = new();
    private readonly SemaphoreSlim wake = new(0);
    private readonly CancellationTokenSource stopping = new();
    private readonly Task loop;
    private readonly List<FlushWaiter> flushes = [];

    // A sourced stream's last position per shard, and the log record holding it, which must outlive segment deletion.
    private readonly Dictionary<string, SourceHolder> sourcePositions = new(StringComparer.Ordinal);
    private bool carryingPositions;

    // The sink of a SQL table destination, made at its first delivery; used by the delivery loop only.
    private SqlTableLoader? tableLoader;

    private DeliveryStreamDefinition definition;
    private TaskCompletionSource? changing;
    private KeyTemplate prefix;
    private KeyTemplate errorPrefix;
    private JsonPath[] queries;
    private long incomingRecords;
    private long incomingBytes;

    // Records put (or recovered) and not yet in a stored file, whether still in a buffer or cut and owed.
    private long bufferedRecords;
    private long bufferedBytes;
    private long filesWritten;
    private long bytesWritten;
    private long recordsDelivered;
    private long recordsFailed;
    private long deliveryFailures;
    private long lastLatencyMs = -1;

    private DeliveryStream(
        SegmentLog log,
        DeliveryStreamDefinition definition,
        DeliveryWriter writer,
        TimeProvider time,
        DeliveryFunctions functions,
        DeliveryDatabases databases,
        DateTimeOffset createdAt)
    {
        this.log = log;
        this.writer = writer;
        this.time = time;
        this.functions = functions;
        this.databases = databases;
        incarnation = createdAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        transformer = new TransformInvoker(functions, time);
        endpointSender = new HttpEndpointSender(functions.Client, time);
        this.definition = definition;
        (prefix, errorPrefix, queries) = Compile(definition);
        loop = Task.Run(DeliverLoopAsync);
    }

    /// <summary>The stream's settings.</summary>
    public DeliveryStreamDefinition Definition
    {
        get
        {
            lock (gate)
            {
                return definition;
            }
        }
    }

    /// <summary>What recovery found in the stream's log when it opened.</summary>
    public RecoveryReport Recovery => log.Recovery;

    /// <summary>Counters since the stream opened, and its buffers now.</summary>
    public DeliveryStreamStatistics Statistics
    {
        get
        {
            lock (gate)
            {
                return new DeliveryStreamStatistics(
                    incomingRecords,
                    incomingBytes,
                    bufferedRecords,
                    bufferedBytes,
                    buffers.Count,
                    filesWritten,
                    bytesWritten,
                    recordsDelivered,
                    recordsFailed,
                    deliveryFailures,
                    lastLatencyMs < 0 ? null : TimeSpan.FromMilliseconds(lastLatencyMs));
            }
        }
    }

    /// <summary>
    /// Opens the stream kept in <paramref name="directory"/> (creating it when new): replays its log, so records put but
    /// not yet in a file wait again, and a file cut but not known to be stored is written again, first. Transforms reach
    /// their functions through <paramref name="functions"/> (by default: http(s) URLs only), SQL table destinations their
    /// databases through <paramref name="databases"/> (by default: none); <paramref name="createdAt"/>, when the stream was
    /// made, tells its table rows from those of an older stream of the same name.
    /// </summary>
    public static DeliveryStream Open(
        IStorageDevice device,
        string directory,
        DeliveryStreamDefinition definition,
        DeliveryWriter writer,
        TimeProvider? time = null,
        DeliveryFunctions? functions = null,
        DeliveryDatabases? databases = null,
        DateTimeOffset? createdAt = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(writer);
        definition.Validate();
        var replay = new Replay();
        var log = SegmentLog.Open(device, directory, replay.Apply, timeProvider: time);
        var stream = new DeliveryStream(
            log, definition, writer, time ?? TimeProvider.System, functions ?? new DeliveryFunctions(), databases ?? new DeliveryDatabases(),
            createdAt ?? DateTimeOffset.UnixEpoch);
        lock (stream.gate)
        {
            foreach (var (partition, buffer) in replay.Buffers)
            {
                if (buffer.Records.Count > 0)
                {
                    stream.buffers[partition] = buffer;
                    stream.bufferedRecords += buffer.Records.Count;
                    stream.bufferedBytes += buffer.Bytes;
                }
            }

            foreach (var (shard, holder) in replay.Positions)
            {
                stream.sourcePositions[shard] = holder;
            }

            foreach (var file in replay.Owed.Values.OrderBy(f => f.CutPosition))
            {
                stream.owed.Enqueue(file);
                stream.bufferedRecords += file.Records.Length;
                stream.bufferedBytes += file.Records.Sum(r => (long)r.DataLength);
            }
        }

        stream.wake.Release();
        return stream;
    }

    /// <summary>Stops delivering (what is owed is delivered at the next open) and closes the log.</summary>
    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping mid-delivery: the file is still owed in the log.
        }

        lock (gate)
        {
            foreach (var waiter in flushes)
            {
                waiter.Done.TrySetException(new ObjectDisposedException(nameof(DeliveryStream)));
            }

            flushes.Clear();
        }

        if (tableLoader is not null)
        {
            await tableLoader.DisposeAsync().ConfigureAwait(false);
        }

        await log.DisposeAsync().ConfigureAwait(false);
        stopping.Dispose();
        wake.Dispose();
    }

    /// <summary>
    /// Changes the destination: puts wait while every record buffered so far is delivered under the current settings,
    /// then <paramref name="persist"/> makes the new ones durable, and they apply from the next record on. Nothing changes
    /// when the delivery or <paramref name="persist"/> fails or is cancelled.
    /// </summary>
    /// <exception cref="InvalidOperationException">Another change is under way.</exception>
    public async Task ChangeAsync(DeliveryStreamDefinition next, Func<CancellationToken, Task> persist, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(persist);
        next.Validate();
        var compiled = Compile(next);
        TaskCompletionSource change;
        lock (gate)
        {
            if (changing is not null)
            {
                throw new InvalidOperationException($"The delivery stream {definition.Name} is already being changed.");
            }

            change = changing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        try
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
            await persist(cancellationToken).ConfigureAwait(false);
            lock (gate)
            {
                definition = next;
                (prefix, errorPrefix, queries) = compiled;
            }
        }
        finally
        {
            lock (gate)
            {
                changing = null;
            }

            change.SetResult();
        }
    }

    /// <summary>Replaces the tags, which nothing delivered depends on.</summary>
    internal void Retag(IReadOnlyDictionary<string, string> tags)
    {
        lock (gate)
        {
            definition = definition with { Tags = tags };
        }
    }

    private static (KeyTemplate Prefix, KeyTemplate ErrorPrefix, JsonPath[] Queries) Compile(DeliveryStreamDefinition definition)
    {
        var prefix = KeyTemplate.ForPrefix(definition.Prefix);
        return (
            prefix,
            KeyTemplate.ForErrorPrefix(definition.ErrorOutputPrefix, definition.Prefix),
            [.. prefix.PartitionKeysFromQuery.Select(k => JsonPath.Parse(definition.PartitionQueries[k], k))]);
    }

    private long NowMs() => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>A shard's last position read into the stream, and the log record that holds it.</summary>
    private readonly record struct SourceHolder(string Sequence, long LogPosition);

    /// <summary>Rebuilds buffers and owed files from the log, in log order.</summary>
    private sealed class Replay
    {
        public Dictionary<string, PartitionBuffer> Buffers { get; } = new(StringComparer.Ordinal);

        public Dictionary<long, PendingFile> Owed { get; } = [];

        public Dictionary<string, SourceHolder> Positions { get; } = new(StringComparer.Ordinal);

        // Outcomes of a cut's transform read so far; an attempt that crashed before its end is followed by a whole new one.
        private readonly Dictionary<long, List<TransformedRecord>> transformed = [];

        public void Apply(long position, byte type, ReadOnlySpan<byte> payload)
        {
            switch (type)
            {
                case DeliveryLog.Record or DeliveryLog.SourcedRecord:
                    var (arrival, partition, offset, source) = DeliveryLog.ReadRecord(type, payload);
                    var sourceBytes = 0;
                    if (source is var (shard, sequence))
                    {
                        sourceBytes = DeliveryLog.SourceSize(shard, sequence);
                        Positions[shard] = new SourceHolder(sequence, position);
                    }

                    Buffer(partition).Add(new BufferedRecord(position, payload.Length - offset, arrival, sourceBytes));
                    break;
                case DeliveryLog.Positions:
                    foreach (var (carriedShard, carried) in DeliveryLog.ReadPositions(payload))
                    {
                        if (!Positions.TryGetValue(carriedShard, out var known) || !DeliveryLog.IsAfter(known.Sequence, carried))
                        {
                            Positions[carriedShard] = new SourceHolder(carried, position);
                        }
                    }

                    break;
                case DeliveryLog.Cut:
                    var (before, cutPartition) = DeliveryLog.ReadCut(payload);
                    Owed[position] = new PendingFile(position, cutPartition, Buffer(cutPartition).TakeBefore(before), Task.CompletedTask);
                    break;
                case DeliveryLog.Delivered:
                    var delivered = DeliveryLog.ReadDelivered(payload);
                    Owed.Remove(delivered);
                    transformed.Remove(delivered);
                    break;
                case DeliveryLog.Transformed:
                    var (cut, index, outcome) = DeliveryLog.ReadTransformed(payload);
                    if (index == 0 || !transformed.TryGetValue(cut, out var outcomes))
                    {
                        transformed[cut] = outcomes = [];
                    }

                    outcomes.Add(outcome);
                    break;
                case DeliveryLog.TransformDone:
                    var (doneCut, count) = DeliveryLog.ReadTransformDone(payload);
                    if (Owed.TryGetValue(doneCut, out var file) && transformed.Remove(doneCut, out var all) && all.Count == count
                        && count == file.Records.Length)
                    {
                        file.Transformed = [.. all];
                    }

                    break;
            }
        }

        private PartitionBuffer Buffer(string partition)
        {
            if (!Buffers.TryGetValue(partition, out var buffer))
            {
                Buffers[partition] = buffer = new PartitionBuffer(partition);
            }

            return buffer;
        }
    }
}
