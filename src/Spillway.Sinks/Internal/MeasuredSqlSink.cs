using System.Diagnostics;

namespace Spillway.Sinks.Internal;

/// <summary>A sink that counts its rows, times its writes and remembers how many of its last writes failed.</summary>
internal sealed class MeasuredSqlSink(ISqlSink inner, SinkMetrics metrics) : ISqlSink
{
    private readonly KeyValuePair<string, object?> tag = new("sink", inner.Name);
    private long consecutiveFailures;

    public string Name => inner.Name;

    public string Provider => inner.Provider;

    public SinkPoolStatistics PoolStatistics => inner.PoolStatistics;

    /// <summary>Writes that failed in a row since the last one that succeeded; alarms watch it.</summary>
    public long ConsecutiveFailures => Interlocked.Read(ref consecutiveFailures);

    public ValueTask EnsureSchemaAsync(CancellationToken cancellationToken = default) => inner.EnsureSchemaAsync(cancellationToken);

    public async ValueTask<SinkWriteResult> WriteAsync(
        IReadOnlyList<SinkRecord> records, StreamCheckpoint? checkpoint = null, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await inner.WriteAsync(records, checkpoint, cancellationToken).ConfigureAwait(false);
            metrics.WriteDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tag);
            metrics.RowsWritten.Add(result.Inserted, tag);
            if (result.Rejected.Count > 0)
            {
                metrics.RowsRejected.Add(result.Rejected.Count, tag);
            }

            Interlocked.Exchange(ref consecutiveFailures, 0);
            return result;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            metrics.Failures.Add(1, tag, new("reason", e is SinkUnavailableException ? "unavailable" : "error"));
            Interlocked.Increment(ref consecutiveFailures);
            throw;
        }
    }

    public ValueTask<string?> ReadCheckpointAsync(string consumer, string stream, string shard, CancellationToken cancellationToken = default) =>
        inner.ReadCheckpointAsync(consumer, stream, shard, cancellationToken);

    public ValueTask SaveCheckpointAsync(StreamCheckpoint checkpoint, CancellationToken cancellationToken = default) =>
        inner.SaveCheckpointAsync(checkpoint, cancellationToken);

    public ValueTask<bool> PingAsync(CancellationToken cancellationToken = default) => inner.PingAsync(cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
