using Spillway.Messaging.Streams.Internal;
using Spillway.Storage;

namespace Spillway.Messaging.Streams;

/// <summary>
/// One stream: shards of records ordered by sequence number, kept for the retention period whoever reads them.
/// Every shard's records live in one segment log, each record its own checksummed log record tagged with its shard,
/// so a put across shards is one group commit. The shards' indexes live in memory and are rebuilt by replaying the
/// log; the catalog (<c>stream.json</c>) holds the rest.
/// </summary>
public sealed partial class DataStream
{
    private readonly QueueEngine engine;
    private readonly Lock gate = new();
    private readonly SemaphoreSlim adminGate = new(1, 1);
    private readonly SemaphoreSlim checkpointGate = new(1, 1);
    private readonly List<ShardState> shards = []; // by number
    private readonly Dictionary<int, ShardState> byNumber = [];
    private ShardState[] openShards = []; // by starting hash key
    private SegmentLog log = null!;
    private StreamDefinition definition;
    private int nextShard;
    private IReadOnlyDictionary<string, string> tags;
    private IReadOnlyList<RegisteredConsumer> consumers;
    private Dictionary<string, Dictionary<string, string>> checkpoints = new(StringComparer.Ordinal);
    private ITimer? retentionTimer;
    private TaskCompletionSource? arrival; // completed at the next durable append, when a reader waits
    private long visibleTo; // every record below this log position is durable
    private long lastArrivalMs;
    private long totalRecords;
    private long totalBytes;
    private bool closed;

    private DataStream(QueueEngine engine, StreamMetadata metadata, string directory)
    {
        this.engine = engine;
        Directory = directory;
        definition = metadata.Definition;
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(metadata.CreatedAtMs);
        nextShard = metadata.NextShard;
        tags = metadata.Tags;
        consumers = metadata.Consumers;
        foreach (var shard in metadata.Shards)
        {
            shards.Add(shard);
            byNumber[shard.Number] = shard;
        }

        PublishOpenShards();
    }

    internal string Directory { get; }

    internal SegmentLog Log => log;

    private TimeProvider Time => engine.Time;

    /// <summary>The stream's name.</summary>
    public string Name => definition.Name;

    /// <summary>The current definition: mode, retention, quotas, and the open shard count.</summary>
    public StreamDefinition Definition
    {
        get
        {
            lock (gate)
            {
                return definition with { ShardCount = openShards.Length };
            }
        }
    }

    /// <summary>Active: a reshard happens at once under the stream's lock, so no caller ever sees one in progress.</summary>
    public StreamStatus Status => StreamStatus.Active;

    /// <summary>When the stream was created.</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>The open shards and the closed ones still holding records or within retention of their closing, by id.</summary>
    public IReadOnlyList<ShardDescription> Shards
    {
        get
        {
            lock (gate)
            {
                var cutoff = Now() - RetentionMs;
                return [.. shards.Where(s => s.IsOpen || s.Index.Count > 0 || s.ClosedAtMs > cutoff).Select(s => s.Describe())];
            }
        }
    }

    /// <summary>The stream's trim horizon in time: the retention period ago, or the stream's creation when that is later.</summary>
    public DateTimeOffset TrimHorizon => DateTimeOffset.FromUnixTimeMilliseconds(Math.Max(Now() - RetentionMs, CreatedAt.ToUnixTimeMilliseconds()));

    /// <summary>
    /// The kept shards (as <see cref="Shards"/>) that were open at some moment from <paramref name="from"/> to
    /// <paramref name="to"/>: opened at or before <paramref name="to"/> and not closed before <paramref name="from"/>.
    /// A shard opens when the stream is created or when the resharding that made it closes its parents.
    /// </summary>
    public IReadOnlyList<ShardDescription> ShardsOpenBetween(DateTimeOffset from, DateTimeOffset to)
    {
        var fromMs = from.ToUnixTimeMilliseconds();
        var toMs = to.ToUnixTimeMilliseconds();
        lock (gate)
        {
            var cutoff = Now() - RetentionMs;
            var byNumber = shards.ToDictionary(s => s.Number);
            return
            [
                .. shards
                    .Where(s => s.IsOpen || s.Index.Count > 0 || s.ClosedAtMs > cutoff)
                    .Where(s => OpenedAtMs(s, byNumber) <= toMs && (s.ClosedAtMs is not { } closed || closed >= fromMs))
                    .Select(s => s.Describe()),
            ];
        }
    }

    /// <summary>The stream's tags.</summary>
    public IReadOnlyDictionary<string, string> Tags => Volatile.Read(ref tags);

    /// <summary>The consumers registered for enhanced fan-out, by name.</summary>
    public IReadOnlyList<RegisteredConsumer> Consumers => Volatile.Read(ref consumers);

    /// <summary>Records put since the engine opened.</summary>
    public long TotalRecords => Interlocked.Read(ref totalRecords);

    /// <summary>Data bytes put since the engine opened.</summary>
    public long TotalBytes => Interlocked.Read(ref totalBytes);

    /// <summary>Records the stream holds now, across its shards.</summary>
    public long RecordsKept
    {
        get
        {
            lock (gate)
            {
                return shards.Sum(s => s.Index.Count);
            }
        }
    }

    /// <summary>Arrival time of the oldest record kept, or null when the stream holds none.</summary>
    public DateTimeOffset? OldestRecordTimestamp
    {
        get
        {
            lock (gate)
            {
                var oldest = shards.Where(s => s.Index.Count > 0).Select(s => s.Index.Arrival(s.Index.Start)).DefaultIfEmpty(long.MaxValue).Min();
                return oldest == long.MaxValue ? null : DateTimeOffset.FromUnixTimeMilliseconds(oldest);
            }
        }
    }

    /// <summary>Per shard counters, by shard id.</summary>
    public IReadOnlyList<ShardCounters> ShardCounters
    {
        get
        {
            lock (gate)
            {
                return [.. shards.Where(s => s.IsOpen || s.Index.Count > 0).Select(s => new ShardCounters(
                    s.Id, s.Index.Count, s.IncomingRecords, s.IncomingBytes, s.ReadCalls, s.RecordsRead))];
            }
        }
    }

    private long RetentionMs => (long)definition.Retention.TotalMilliseconds;

    /// <summary>Creates the stream's directory, catalog and shards; durable before it returns.</summary>
    internal static DataStream Create(QueueEngine engine, StreamDefinition definition, string directory)
    {
        var count = definition.Mode == StreamMode.OnDemand ? StreamLimits.OnDemandInitialShards : definition.ShardCount;
        var ranges = StreamCodec.EvenRanges(UInt128.Zero, UInt128.MaxValue, count);
        var metadata = new StreamMetadata(
            definition with { ShardCount = count },
            engine.Time.GetUtcNow().ToUnixTimeMilliseconds(),
            count,
            [.. ranges.Select((r, i) => new ShardState(i, null, null, r.Start, r.End, 0))],
            new Dictionary<string, string>(StringComparer.Ordinal),
            []);
        StreamCatalog.Write(engine.Device, directory, metadata);
        return Open(engine, metadata, directory);
    }

    /// <summary>Opens a stream from its catalog, replaying its log to rebuild the shards' indexes.</summary>
    internal static DataStream Open(QueueEngine engine, StreamMetadata metadata, string directory)
    {
        var stream = new DataStream(engine, metadata, directory);
        stream.checkpoints = StreamCatalog.ReadCheckpoints(engine.Device, directory);
        var options = new SegmentLogOptions { SegmentSize = engine.Options.SegmentSize, MaxRecordSize = StreamLimits.MaxRecordBytes + 4096 };
        stream.log = SegmentLog.Open(
            engine.Device, Path.Combine(directory, "log"), stream.Replay, options, engine.Time, stream.PublishDurable);
        stream.visibleTo = stream.log.DurablePosition;
        stream.ReclaimExpired();
        stream.retentionTimer = engine.Time.CreateTimer(_ => stream.ReclaimExpired(), null, RetentionCheckPeriod, RetentionCheckPeriod);
        return stream;
    }

    private void Replay(long position, byte type, ReadOnlySpan<byte> payload)
    {
        if (type != StreamCodec.RecordType)
        {
            // As for queues: a record this version cannot read stops the open instead of being skipped as if it were not there.
            throw new InvalidDataException($"Stream {Name} holds a record of unknown type {type} at position {position}.");
        }

        var (shard, arrivalMs) = StreamCodec.ReadHeader(payload);

        // A record of a shard the catalog does not know was never acknowledged: children are durable in the catalog
        // before they take records.
        if (byNumber.TryGetValue(shard, out var state))
        {
            state.Index.Add(position, arrivalMs, payload.Length);
            lastArrivalMs = Math.Max(lastArrivalMs, arrivalMs);
        }
    }

    private void PublishDurable(long durablePosition)
    {
        var seen = Interlocked.Read(ref visibleTo);
        while (durablePosition > seen)
        {
            var found = Interlocked.CompareExchange(ref visibleTo, durablePosition, seen);
            if (found == seen)
            {
                break;
            }

            seen = found;
        }

        WakeReaders();
    }

    private void WakeReaders()
    {
        TaskCompletionSource? waiting;
        lock (gate)
        {
            waiting = arrival;
            arrival = null;
        }

        waiting?.TrySetResult();
    }

    internal async ValueTask CloseAsync()
    {
        lock (gate)
        {
            closed = true;
        }

        WakeReaders();
        retentionTimer?.Dispose();
        await log.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Stops the log as a crash would. For crash tests.</summary>
    internal void Crash()
    {
        lock (gate)
        {
            closed = true;
        }

        retentionTimer?.Dispose();
        log.Abandon();
    }

    private long Now() => Time.GetUtcNow().ToUnixTimeMilliseconds();

    // A child opens in the resharding that closes its parent; a parent forgotten after retention, or a shard without one,
    // dates from the stream's creation.
    private long OpenedAtMs(ShardState shard, Dictionary<int, ShardState> byNumber) =>
        shard.Parent is { } parent && byNumber.TryGetValue(parent, out var state) && state.ClosedAtMs is { } closed
            ? closed
            : CreatedAt.ToUnixTimeMilliseconds();

    private ShardState ShardById(string shardId, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(shardId, parameterName);
        if (!StreamCodec.TryParseShardId(shardId, out var number) || !byNumber.TryGetValue(number, out var shard))
        {
            throw new StreamNotFoundException($"Shard {shardId} in stream {Name} does not exist.");
        }

        return shard;
    }

    private void ThrowIfClosed() => ObjectDisposedException.ThrowIf(closed, this);

    /// <summary>Under the lock: rebuilds the open shards' routing table after a create, open or reshard.</summary>
    private void PublishOpenShards() => openShards = [.. shards.Where(s => s.IsOpen).OrderBy(s => s.StartingHashKey)];

    /// <summary>Under the lock: the catalog's content now.</summary>
    private StreamMetadata Snapshot() => new(definition with { ShardCount = openShards.Length }, CreatedAt.ToUnixTimeMilliseconds(), nextShard, [.. shards], tags, consumers);
}
