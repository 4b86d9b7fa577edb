using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Spillway.Aggregations;

/// <summary>
/// The aggregations' instruments on the meter <see cref="MeterName"/>, tagged <c>aggregation</c>: records in, late and
/// invalid records, rows emitted, open windows, watermark lag and state size. One per process; each
/// <see cref="AggregationRunner"/> given it reports through it while it runs.
/// </summary>
public sealed class AggregationMetrics : IDisposable
{
    public const string MeterName = "Spillway.Aggregations";

    private readonly Meter meter;
    private readonly ConcurrentDictionary<string, AggregationRunner> runners = new(StringComparer.Ordinal);
    private readonly TimeProvider time;

    /// <param name="meterFactory">The host's meter factory; null for a meter of its own.</param>
    /// <param name="time">The clock the watermark lag is measured on; the system clock when null.</param>
    public AggregationMetrics(IMeterFactory? meterFactory = null, TimeProvider? time = null)
    {
        this.time = time ?? TimeProvider.System;
        meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        Counter("spillway.aggregations.records.in", "{record}", "Records read by the aggregation.", s => s.RecordsIn);
        Counter("spillway.aggregations.records.late", "{record}", "Records too late for every window they belong to.", s => s.LateRecords);
        Counter("spillway.aggregations.records.invalid", "{record}", "Records without a JSON object or a valid event time.", s => s.InvalidRecords);
        Counter("spillway.aggregations.rows.emitted", "{row}", "Result rows emitted (final, early and updates).", s => s.RowsEmitted);
        meter.CreateObservableGauge("spillway.aggregations.windows.open", () => Each(s => s.OpenWindows), "{window}",
            "Window states held: key × pane, or sessions.");
        meter.CreateObservableGauge("spillway.aggregations.state.size", () => Each(s => s.StateBytes), "By", "Size of the last checkpoint.");
        meter.CreateObservableGauge(
            "spillway.aggregations.watermark.lag",
            () => runners.Values
                .Where(r => r.Statistics.Watermark is not null)
                .Select(r => new Measurement<double>((this.time.GetUtcNow() - r.Statistics.Watermark.GetValueOrDefault()).TotalSeconds, Tag(r.Name))),
            "s",
            "How far the watermark is behind the clock.");

        void Counter(string name, string unit, string description, Func<AggregationStatistics, long> read) =>
            meter.CreateObservableCounter(name, () => Each(read), unit, description);
    }

    public void Dispose() => meter.Dispose();

    internal void Register(AggregationRunner runner) => runners[runner.Name] = runner;

    internal void Unregister(AggregationRunner runner) => runners.TryRemove(new KeyValuePair<string, AggregationRunner>(runner.Name, runner));

    private IEnumerable<Measurement<long>> Each(Func<AggregationStatistics, long> read) =>
        runners.Values.Select(r => new Measurement<long>(read(r.Statistics), Tag(r.Name)));

    private static KeyValuePair<string, object?> Tag(string name) => new("aggregation", name);
}
