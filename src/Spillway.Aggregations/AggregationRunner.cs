using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Spillway.Aggregations.Internal;
using Spillway.Messaging.Streams;
using Spillway.Transport;

namespace Spillway.Aggregations;

/// <summary>
/// Runs one aggregation: reads every shard of its stream (a parent to its end before its children, so a key's records keep
/// their order across a reshard), feeds an <see cref="AggregationEngine"/>, and writes the rows, the late records and a
/// checkpoint (window state + per-shard positions) together to an <see cref="IAggregationOutput"/> at most every
/// <see cref="AggregationRunnerOptions.CheckpointInterval"/> or <see cref="AggregationRunnerOptions.CheckpointRecords"/>.
/// </summary>
/// <remarks>
/// Exactly once: the engine's state and the positions it covers are written in one <see cref="IAggregationOutput.WriteAsync"/>
/// with the rows they produced. On start, and after any failure, the runner drops its engine, restores the last stored
/// checkpoint and reads on from its positions, so what a crash lost is recomputed the same way. Records feed the engine in
/// shard order; shards take turns batch by batch.
/// </remarks>
public sealed class AggregationRunner : IAsyncDisposable
{
    private readonly IStreamSource source;
    private readonly IAggregationOutput output;
    private readonly AggregationMetrics? metrics;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly CancellationTokenSource stopping = new();
    private volatile StrongBox<AggregationStatistics> statistics = new();
    private AggregationOutput? unwritten;
    private Task? run;
    private int started;

    /// <param name="definition">The aggregation; validated here. Its <see cref="AggregationDefinition.Source"/> should
    /// name <paramref name="source"/>'s stream.</param>
    /// <param name="source">The stream's shards; the runner does not dispose it. Its checkpoints are not used: the
    /// positions travel in the aggregation's own checkpoint.</param>
    /// <param name="output">Where rows, late records and checkpoints go.</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <param name="metrics">The process's aggregation instruments; null for none.</param>
    /// <param name="logger">Where to log; null for nowhere.</param>
    public AggregationRunner(
        AggregationDefinition definition,
        IStreamSource source,
        IAggregationOutput output,
        AggregationRunnerOptions? options = null,
        AggregationMetrics? metrics = null,
        ILogger<AggregationRunner>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(output);
        definition.Validate();
        Definition = definition;
        this.source = source;
        this.output = output;
        this.metrics = metrics;
        Options = options ?? new AggregationRunnerOptions();
        time = Options.TimeProvider;
        this.logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public AggregationDefinition Definition { get; }

    public string Name => Definition.Name;

    public AggregationRunnerOptions Options { get; }

    /// <summary>The engine's figures after the last round of reads.</summary>
    public AggregationStatistics Statistics => statistics.Value;

    /// <summary>The last failure that made the runner start over; null when none since the last successful write.</summary>
    public Exception? LastError { get; private set; }

    /// <summary>When the last write to the output succeeded; null before the first.</summary>
    public DateTimeOffset? LastCheckpointAt { get; private set; }

    /// <summary>True between <see cref="StartAsync"/> and <see cref="StopAsync"/>.</summary>
    public bool IsRunning => run is { IsCompleted: false } && !stopping.IsCancellationRequested;

    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(stopping.IsCancellationRequested, this);
        if (Interlocked.Exchange(ref started, 1) != 0)
        {
            throw new InvalidOperationException($"Aggregation '{Name}' was already started.");
        }

        metrics?.Register(this);
        run = Task.Run(RunAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Stops reading and writes what was read since the last checkpoint, once, without retrying.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        if (run is { } running)
        {
            await running.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        metrics?.Unregister(this);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        stopping.Dispose();
    }

    private async Task RunAsync()
    {
        var stop = stopping.Token;
        var retry = new Backoff(Options.RetryInitialDelay, Options.RetryMaxDelay);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await RunFromCheckpointAsync(retry, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LastError = ex;
                LogMessages.Failed(logger, Name, ex);
                if (!await retry.WaitAsync(time, stop).ConfigureAwait(false))
                {
                    break;
                }
            }
        }
    }

    private async Task RunFromCheckpointAsync(Backoff retry, CancellationToken stop)
    {
        var engine = new AggregationEngine(Definition, time);
        unwritten = null;
        var checkpoint = await output.ReadCheckpointAsync(stop).ConfigureAwait(false);
        var positions = checkpoint is null
            ? new Dictionary<string, string>(StringComparer.Ordinal)
            : new Dictionary<string, string>(engine.Restore(checkpoint), StringComparer.Ordinal);
        LogMessages.Started(logger, Name, source.StreamName, checkpoint is not null);
        var shards = new ShardReader(source, engine, positions, Options);
        var pending = 0;
        var lastWrite = time.GetUtcNow();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var read = await shards.ReadRoundAsync(stop).ConfigureAwait(false);
                pending += read;
                engine.Tick();
                statistics = new(engine.Statistics);
                var now = time.GetUtcNow();
                if (pending >= Options.CheckpointRecords
                    || (now - lastWrite >= Options.CheckpointInterval && (pending > 0 || engine.HasPendingOutput)))
                {
                    await WriteAsync(engine, positions, stop).ConfigureAwait(false);
                    pending = 0;
                    lastWrite = now;
                    retry.Reset();
                }

                if (read == 0)
                {
                    await Task.Delay(Options.PollInterval, time, stop).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            if (pending > 0 || engine.HasPendingOutput || unwritten is not null)
            {
                // A last write on the way out saves a replay; a failure here only means the replay happens.
                try
                {
                    await WriteAsync(engine, positions, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    LogMessages.Failed(logger, Name, ex);
                }
            }

            throw;
        }
    }

    private async Task WriteAsync(AggregationEngine engine, Dictionary<string, string> positions, CancellationToken stop)
    {
        // Rows taken from the engine are owed to the output until a write of them succeeds: a write cut short by a stop
        // hands them to the next one, with the newer checkpoint.
        var batch = engine.Checkpoint(positions);
        if (unwritten is { } owed)
        {
            batch = new AggregationOutput([.. owed.Rows, .. batch.Rows], [.. owed.Late, .. batch.Late], batch.Checkpoint);
        }

        unwritten = batch;
        await output.WriteAsync(batch.Rows, batch.Late, batch.Checkpoint!, stop).ConfigureAwait(false);
        unwritten = null;
        statistics = new(engine.Statistics);
        LastCheckpointAt = time.GetUtcNow();
        LastError = null;
    }
}
