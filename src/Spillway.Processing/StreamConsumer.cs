using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Spillway.Messaging.Streams;
using Spillway.Processing.Internal;
using Spillway.Transport;

namespace Spillway.Processing;

/// <summary>
/// Feeds one stream to one handler, as Lambda's Kinesis event-source mapping does: every shard is read in order from
/// the consumer's checkpoint, in batches of records of that shard; a shard's records are handled in
/// <see cref="StreamConsumerOptions.ParallelizationFactor"/> lanes by partition key, so records of one key keep their
/// order; the checkpoint moves past a record only once it and every record before it in the shard is handled (or
/// discarded); a parent shard is finished before its children are started, so per-key order survives a reshard.
/// </summary>
/// <remarks>
/// A handler error is retried (bisected when asked) until <see cref="StreamConsumerOptions.MaximumRetryAttempts"/> or
/// <see cref="StreamConsumerOptions.MaximumRecordAge"/>, then discarded with Lambda's on-failure record sent to
/// <see cref="StreamConsumerOptions.OnFailureQueue"/>. A sink outage (<see cref="DownstreamUnavailableException"/>) is
/// not the data's fault: the batch is held and retried with backoff and no attempt is counted.
/// </remarks>
public sealed partial class StreamConsumer : IAsyncDisposable
{
    private readonly IStreamSource source;
    private readonly IMessageHandler handler;
    private readonly IQueueSender? onFailure;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly CancellationTokenSource stopping = new();
    private readonly MappingCounters counters = new();
    private readonly ConcurrentDictionary<string, ShardLag> lag = new(StringComparer.Ordinal);
    private readonly string streamArn;
    private Task? run;
    private int started;

    /// <param name="name">The consumer's name: whose checkpoints these are (the worker's name).</param>
    /// <param name="source">The stream to read; the consumer does not dispose it.</param>
    /// <param name="handler">What handles the batches.</param>
    /// <param name="options">Settings; validated here.</param>
    /// <param name="onFailure">The sender of <see cref="StreamConsumerOptions.OnFailureQueue"/>; null when none is set.</param>
    /// <param name="logger">Where to log; null for nowhere.</param>
    public StreamConsumer(
        string name,
        IStreamSource source,
        IMessageHandler handler,
        StreamConsumerOptions options,
        IQueueSender? onFailure = null,
        ILogger<StreamConsumer>? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.OnFailureQueue is not null && onFailure is null)
        {
            throw new ArgumentException($"The on-failure queue '{options.OnFailureQueue}' has no sender.", nameof(onFailure));
        }

        Name = name;
        this.source = source;
        this.handler = handler;
        this.onFailure = onFailure;
        Options = options;
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        time = options.TimeProvider;
        streamArn = $"arn:aws:kinesis:{options.Region}:{options.AccountId}:stream/{source.StreamName}";
    }

    public string Name { get; }

    public StreamConsumerOptions Options { get; }

    public string StreamName => source.StreamName;

    /// <summary>True between <see cref="StartAsync"/> and <see cref="StopAsync"/>.</summary>
    public bool IsRunning => run is { IsCompleted: false } && !stopping.IsCancellationRequested;

    /// <summary>Test hook: called after a retry's delay was scheduled on the clock, with that delay.</summary>
    internal Action<TimeSpan>? RetryScheduled { get; set; }

    /// <summary>A snapshot of the consumer's figures.</summary>
    public EventSourceMappingStatistics GetStatistics() => counters.Snapshot(paused: false);

    /// <summary>The age of the last record of the last batch handled, the largest over the shards (Lambda's IteratorAge);
    /// while a batch is still being handled (or retried), the age of its oldest record, so a stuck shard shows.
    /// Zero before the first batch and once a read finds nothing new.</summary>
    public TimeSpan IteratorAge
    {
        get
        {
            var now = time.GetUtcNow();
            return lag.Values.Select(l => l.Age(now)).DefaultIfEmpty().Max();
        }
    }

    /// <summary>How far the consumer's reads are behind the newest record, the largest over the shards.</summary>
    public TimeSpan BehindLatest => lag.Values.Select(l => l.BehindLatest).DefaultIfEmpty().Max();

    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(stopping.IsCancellationRequested, this);
        if (Interlocked.Exchange(ref started, 1) != 0)
        {
            throw new InvalidOperationException($"Stream consumer '{Name}' was already started.");
        }

        if (Options.Enabled)
        {
            run = Task.Run(RunAsync, CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    /// <summary>Stops reading and cuts short batches in flight; what was not checkpointed is read again next time (the SQL
    /// sink's rows are keyed by record identity, so nothing doubles).</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        if (run is { } running)
        {
            await running.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    // Starts every shard whose parents are finished, and looks again whenever a shard reaches its end.
    private async Task RunAsync()
    {
        var stop = stopping.Token;
        var finished = new HashSet<string>(StringComparer.Ordinal);
        var running = new Dictionary<string, Task<bool>>(StringComparer.Ordinal);
        var retry = new Backoff(Options.RetryInitialDelay, Options.RetryMaxDelay);
        while (!stop.IsCancellationRequested)
        {
            IReadOnlyList<ShardDescription> shards;
            try
            {
                shards = await source.ListShardsAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogMessages.ShardReadFailed(logger, Name, "*", ex);
                if (!await retry.WaitAsync(time, stop).ConfigureAwait(false))
                {
                    break;
                }

                continue;
            }

            var known = shards.Select(s => s.ShardId).ToHashSet(StringComparer.Ordinal);
            foreach (var shard in shards)
            {
                if (finished.Contains(shard.ShardId) || running.ContainsKey(shard.ShardId))
                {
                    continue;
                }

                // A parent no longer listed has expired: nothing of it is left to read first.
                if (Pending(shard.ParentShardId) || Pending(shard.AdjacentParentShardId))
                {
                    continue;
                }

                LogMessages.ShardStarted(logger, Name, shard.ShardId, source.StreamName);
                running[shard.ShardId] = Task.Run(() => ReadShardAsync(shard, stop), CancellationToken.None);
            }

            if (running.Count == 0)
            {
                break;
            }

            var done = await Task.WhenAny(running.Values).ConfigureAwait(false);
            var id = running.First(p => p.Value == done).Key;
            running.Remove(id);
            if (await done.ConfigureAwait(false))
            {
                finished.Add(id);
            }

            bool Pending(string? parent) => parent is not null && known.Contains(parent) && !finished.Contains(parent);
        }

        await Task.WhenAll(running.Values).ConfigureAwait(false);
    }

    // True once a closed shard is read and handled to its end; false when stopped.
    private async Task<bool> ReadShardAsync(ShardDescription shard, CancellationToken stop)
    {
        var retry = new Backoff(Options.RetryInitialDelay, Options.RetryMaxDelay);
        var shardLag = lag.GetOrAdd(shard.ShardId, _ => new ShardLag());
        ShardPosition? position = null;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                position ??= await StartPositionAsync(shard, stop).ConfigureAwait(false);
                var (records, next) = await GatherAsync(position.Value, shardLag, stop).ConfigureAwait(false);
                if (records.Count > 0)
                {
                    if (!await HandleRoundAsync(shard.ShardId, records, shardLag, stop).ConfigureAwait(false))
                    {
                        return false;
                    }
                }

                if (next is null)
                {
                    return true;
                }

                position = next;
                retry.Reset();
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return false;
            }
            catch (Exception ex)
            {
                LogMessages.ShardReadFailed(logger, Name, shard.ShardId, ex);
                if (!await retry.WaitAsync(time, stop).ConfigureAwait(false))
                {
                    return false;
                }
            }
        }

        return false;
    }

    private async Task<ShardPosition> StartPositionAsync(ShardDescription shard, CancellationToken stop)
    {
        var checkpoint = await source.GetCheckpointAsync(Name, shard.ShardId, stop).ConfigureAwait(false);
        if (checkpoint is not null)
        {
            return await source.SeekAsync(shard.ShardId, IteratorStart.AfterSequenceNumber, checkpoint, null, stop).ConfigureAwait(false);
        }

        // A child of a reshard starts at its oldest record, as KCL and Lambda do, so nothing after the parents is skipped.
        var start = shard.ParentShardId is null && shard.AdjacentParentShardId is null ? Options.IteratorStart : IteratorStart.TrimHorizon;
        return await source.SeekAsync(shard.ShardId, start, null, Options.StartingPositionTimestamp, stop).ConfigureAwait(false);
    }

    // One round's records: up to a batch per lane, gathered within the batching window. Next is null at a closed shard's end.
    private async Task<(List<StreamRecord> Records, ShardPosition? Next)> GatherAsync(
        ShardPosition from, ShardLag shardLag, CancellationToken stop)
    {
        var limit = Options.BatchSize * Options.ParallelizationFactor;
        var result = await source.ReadAsync(from, limit, Options.PollWaitTime, stop).ConfigureAwait(false);
        shardLag.BehindLatest = TimeSpan.FromMilliseconds(result.MillisBehindLatest);
        if (result.Records.Count == 0)
        {
            // Caught up, nothing waiting: no record is old, so an alarm on the age recovers once the worker keeps up.
            shardLag.IteratorAge = TimeSpan.Zero;
        }

        var records = new List<StreamRecord>(result.Records);
        var next = result.Next;
        if (records.Count == 0 || records.Count >= limit || next is null || Options.MaximumBatchingWindow <= TimeSpan.Zero)
        {
            return (records, next);
        }

        var deadline = time.GetUtcNow() + Options.MaximumBatchingWindow;
        while (records.Count < limit && next is { } position)
        {
            var remaining = deadline - time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }

            // The engine's wait is on its own clock; the window is on the consumer's, so each wait is short.
            var wait = remaining < Options.PollWaitTime ? remaining : Options.PollWaitTime;
            result = await source.ReadAsync(position, limit - records.Count, wait, stop).ConfigureAwait(false);
            records.AddRange(result.Records);
            next = result.Next;
            shardLag.BehindLatest = TimeSpan.FromMilliseconds(result.MillisBehindLatest);
        }

        return (records, next);
    }

    private sealed class ShardLag
    {
        private long iteratorAgeTicks;
        private long behindLatestTicks;
        private long pendingSinceTicks;

        /// <summary>Arrival of the oldest record of the round being handled; null between rounds.</summary>
        public DateTimeOffset? PendingSince
        {
            get => Interlocked.Read(ref pendingSinceTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
            set => Interlocked.Exchange(ref pendingSinceTicks, value?.UtcTicks ?? 0);
        }

        public TimeSpan Age(DateTimeOffset now) =>
            PendingSince is { } since && now - since > IteratorAge ? now - since : IteratorAge;

        public TimeSpan IteratorAge
        {
            get => TimeSpan.FromTicks(Interlocked.Read(ref iteratorAgeTicks));
            set => Interlocked.Exchange(ref iteratorAgeTicks, Math.Max(0, value.Ticks));
        }

        public TimeSpan BehindLatest
        {
            get => TimeSpan.FromTicks(Interlocked.Read(ref behindLatestTicks));
            set => Interlocked.Exchange(ref behindLatestTicks, Math.Max(0, value.Ticks));
        }
    }
}
