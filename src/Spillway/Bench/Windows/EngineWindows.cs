using System.Diagnostics;
using Spillway.Aggregations;

namespace Spillway.Bench.Windows;

/// <summary>
/// The aggregation as the server runs it: an <see cref="AggregationRunner"/> with the server's options reading the
/// readings' stream, parsing each record, windowing, accumulating and checkpointing to an output that keeps what it is
/// given. The run ends when the input went quiet, the watermark followed the clock past the last window, and the last
/// rows and checkpoint were written. Only the wait once the input is drained is shortened (1 ms instead of 200 ms).
/// </summary>
internal static class EngineWindows
{
    /// <param name="keepRows">Keep every row for a comparison; a timed run only counts them, as an output that writes
    /// them somewhere and lets them go holds nothing.</param>
    public static async Task<EngineRun> RunAsync(
        AggregationDefinition definition, Readings readings, bool keepRows, CancellationToken cancellationToken)
    {
        var clock = new QuietClock();

        // Enough quiet time for every shard to turn idle and for the watermark to pass the end of the last window.
        var quiet = definition.IdleTimeout + definition.MaxOutOfOrderness + definition.Window.Size + TimeSpan.FromSeconds(1);
        var source = new ReadingsSource(readings, () => clock.Skip(quiet));
        var output = new KeptOutput(keepRows);
        var options = new AggregationRunnerOptions { TimeProvider = clock, PollInterval = TimeSpan.FromMilliseconds(1) };
        var started = Stopwatch.GetTimestamp();
        await using (var runner = new AggregationRunner(definition, source, output, options))
        {
            await runner.StartAsync(cancellationToken).ConfigureAwait(false);
            while (runner.Statistics is not { OpenWindows: 0 } statistics || statistics.RecordsIn < readings.Count)
            {
                if (runner.LastError is { } error)
                {
                    throw new InvalidOperationException($"The aggregation failed: {error.Message}", error);
                }

                await Task.Delay(2, cancellationToken).ConfigureAwait(false);
            }

            await runner.StopAsync(cancellationToken).ConfigureAwait(false);
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            return new EngineRun(seconds, output.Rows, output.RowCount, output.Writes, output.CheckpointBytes, runner.Statistics);
        }
    }
}

/// <summary>One run of the aggregation: its time, the rows it wrote, and how often and how much it checkpointed.</summary>
internal sealed record EngineRun(
    double Seconds, IReadOnlyList<AggregateResult> Rows, long RowCount, int Writes, long CheckpointBytes, AggregationStatistics Statistics);

/// <summary>Counts the rows (keeping them when asked) and the size of the largest checkpoint; a write costs no I/O, so the run
/// measures the aggregation.</summary>
internal sealed class KeptOutput(bool keepRows) : IAggregationOutput
{
    private readonly List<AggregateResult> rows = [];

    public IReadOnlyList<AggregateResult> Rows => rows;

    public long RowCount { get; private set; }

    public int Writes { get; private set; }

    public long CheckpointBytes { get; private set; }

    public ValueTask<byte[]?> ReadCheckpointAsync(CancellationToken cancellationToken) => ValueTask.FromResult<byte[]?>(null);

    public ValueTask WriteAsync(
        IReadOnlyList<AggregateResult> rows, IReadOnlyList<LateRecord> late, byte[] checkpoint, CancellationToken cancellationToken)
    {
        RowCount += rows.Count;
        if (keepRows)
        {
            this.rows.AddRange(rows);
        }

        Writes++;
        CheckpointBytes = Math.Max(CheckpointBytes, checkpoint.Length);
        return ValueTask.CompletedTask;
    }
}

/// <summary>The system clock, which <see cref="Skip"/> moves ahead: how the benchmark lets the input go quiet at once.</summary>
internal sealed class QuietClock : TimeProvider
{
    private long skippedTicks;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddTicks(Volatile.Read(ref skippedTicks));

    public void Skip(TimeSpan by) => Interlocked.Add(ref skippedTicks, by.Ticks);
}
