using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Spillway.Sinks.Internal;

namespace Spillway.Sinks;

/// <summary>
/// The sinks' instruments, on the meter <see cref="MeterName"/>: rows written and refused and the duration of each
/// write as they happen, and the pools' figures when a reader collects. One per host; a host that lists its meters
/// through an <see cref="IMeterFactory"/> sees them apart from another host's in the same process.
/// </summary>
public sealed class SinkMetrics : IDisposable
{
    public const string MeterName = "Spillway.Sinks";

    private static readonly double[] LatencyBuckets =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly Meter meter;
    private readonly bool ownsMeter;
    private readonly ConcurrentDictionary<string, MeasuredSqlSink> sinks = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="meterFactory">Where the meter comes from; null makes one of its own.</param>
    public SinkMetrics(IMeterFactory? meterFactory = null)
    {
        ownsMeter = meterFactory is null;
        meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        RowsWritten = meter.CreateCounter<long>(
            "spillway.sink.rows.written", "{row}", "Rows inserted by a sink (a record already present is not counted).");
        RowsRejected = meter.CreateCounter<long>(
            "spillway.sink.records.rejected", "{record}", "Records a sink could not map to its table.");
        WriteDuration = meter.CreateHistogram(
            "spillway.sink.batch.duration", "s", "Duration of one sink write (one transaction), by sink.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        Failures = meter.CreateCounter<long>(
            "spillway.sink.failures", "{write}", "Sink writes that failed, by sink and reason (unavailable, error).");
        Pool("spillway.sink.pool.connections.in_use", "Pooled connections borrowed now.", p => p.InUse);
        Pool("spillway.sink.pool.connections.max", "The pool's cap.", p => p.MaxConnections);
        meter.CreateObservableCounter(
            "spillway.sink.pool.waits",
            () => sinks.Values.Select(s => new Measurement<long>(s.PoolStatistics.Waits, new KeyValuePair<string, object?>("sink", s.Name))),
            "{wait}",
            "Borrows that waited for a free connection.");
    }

    internal Counter<long> RowsWritten { get; }

    internal Counter<long> RowsRejected { get; }

    internal Histogram<double> WriteDuration { get; }

    internal Counter<long> Failures { get; }

    /// <summary>The sink, measured on this meter from now on; write through what this returns.</summary>
    public ISqlSink Measure(ISqlSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var measured = new MeasuredSqlSink(sink, this);
        sinks[sink.Name] = measured;
        return measured;
    }

    /// <summary>How many writes of a measured sink failed in a row since its last success; 0 for an unknown sink.</summary>
    public long ConsecutiveFailures(string sink) => sinks.TryGetValue(sink, out var measured) ? measured.ConsecutiveFailures : 0;

    public void Dispose()
    {
        if (ownsMeter)
        {
            meter.Dispose();
        }
    }

    private void Pool(string name, string description, Func<SinkPoolStatistics, int> read) =>
        meter.CreateObservableGauge(
            name,
            () => sinks.Values.Select(s => new Measurement<int>(read(s.PoolStatistics), new KeyValuePair<string, object?>("sink", s.Name))),
            "{connection}",
            description);
}
