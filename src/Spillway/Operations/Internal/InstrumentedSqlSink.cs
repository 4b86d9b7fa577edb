using System.Diagnostics;
using Spillway.Sinks;

namespace Spillway.Operations.Internal;

/// <summary>A sink that counts its rows, times its writes and remembers whether its last write failed.</summary>
internal sealed class InstrumentedSqlSink(ISqlSink inner, SpillwayMetrics metrics) : ISqlSink
{
    private readonly KeyValuePair<string, object?> tag = new("sink", inner.Name);
    private long consecutiveFailures;
    private long rowsWritten;

    public string Name => inner.Name;

    public string Provider => inner.Provider;

    public SinkPoolStatistics PoolStatistics => inner.PoolStatistics;

    /// <summary>Rows inserted since start, for the dashboard.</summary>
    public long RowsWritten => Interlocked.Read(ref rowsWritten);

    /// <summary>Writes that failed in a row since the last one that succeeded; alarms watch it.</summary>
    public long ConsecutiveFailures => Interlocked.Read(ref consecutiveFailures);

    public ValueTask EnsureSchemaAsync(CancellationToken cancellationToken = default) => inner.EnsureSchemaAsync(cancellationToken);

    public async ValueTask<SinkWriteResult> WriteAsync(IReadOnlyList<SinkRecord> records, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await inner.WriteAsync(records, cancellationToken).ConfigureAwait(false);
            metrics.SinkWriteDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tag);
            metrics.RowsWritten.Add(result.Inserted, tag);
            Interlocked.Add(ref rowsWritten, result.Inserted);
            if (result.Rejected.Count > 0)
            {
                metrics.RowsRejected.Add(result.Rejected.Count, tag);
            }

            Interlocked.Exchange(ref consecutiveFailures, 0);
            return result;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            metrics.SinkFailures.Add(1, tag, new("reason", e is SinkUnavailableException ? "unavailable" : "error"));
            Interlocked.Increment(ref consecutiveFailures);
            throw;
        }
    }

    public ValueTask<bool> PingAsync(CancellationToken cancellationToken = default) => inner.PingAsync(cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
