using System.Diagnostics.Metrics;

namespace Spillway.Processing;

/// <summary>
/// The workers' instruments, on the meter <see cref="MeterName"/>: each invocation's size, duration and outcome as it
/// ends, and the workers' concurrency read when a reader collects. One per host; a host that lists its meters through
/// an <see cref="IMeterFactory"/> sees them apart from another host's in the same process.
/// </summary>
public sealed class WorkerMetrics : IDisposable
{
    public const string MeterName = "Spillway.Processing";

    private static readonly double[] LatencyBuckets =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private static readonly double[] BatchSizeBuckets = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

    private readonly Meter meter;
    private readonly bool ownsMeter;

    /// <param name="meterFactory">Where the meter comes from; null makes one of its own.</param>
    /// <param name="workers">The workers the gauges read, asked at each collection.</param>
    public WorkerMetrics(IMeterFactory? meterFactory, Func<IEnumerable<Worker>> workers)
    {
        ArgumentNullException.ThrowIfNull(workers);
        ownsMeter = meterFactory is null;
        meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        BatchSize = meter.CreateHistogram(
            "spillway.worker.batch.size", "{message}", "Messages per handler invocation, by worker.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = BatchSizeBuckets });
        BatchDuration = meter.CreateHistogram(
            "spillway.worker.batch.duration", "s", "Duration of one handler invocation, by worker.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        Batches = meter.CreateCounter<long>(
            "spillway.worker.batches", "{batch}",
            "Handler invocations by worker and outcome (success, partial, error, unavailable).");
        FailedMessages = meter.CreateCounter<long>(
            "spillway.worker.messages.failed", "{message}", "Messages a handler failed (left to reappear), by worker.");
        Gauge(workers, "spillway.worker.concurrency", "Handler invocations running now.", w => w.Statistics?.CurrentConcurrency ?? 0);
        Gauge(workers, "spillway.worker.concurrency.limit", "Invocations allowed now (moved by the autoscaler).", w => w.ConcurrencyLimit);
        Gauge(workers, "spillway.worker.concurrency.max", "Configured maximum concurrency (capped by the sink's pool).", w => w.MaxConcurrency);
        Gauge(workers, "spillway.worker.enabled", "1 while the worker is enabled.", w => w.Enabled ? 1 : 0);
        meter.CreateObservableGauge(
            "spillway.stream_consumer.iterator_age",
            () => StreamGauge(workers, c => c.IteratorAge.TotalMilliseconds),
            "ms",
            "Age of the last record of the last batch a stream worker handled, the largest over its shards (Lambda's IteratorAge).");
        meter.CreateObservableGauge(
            "spillway.stream_consumer.behind_latest",
            () => StreamGauge(workers, c => c.BehindLatest.TotalMilliseconds),
            "ms",
            "How far a stream worker's reads are behind the newest record, the largest over its shards.");
        Gauge(workers, "spillway.worker.paused", "1 while receiving is paused by a sink outage.", w => w.Statistics?.Paused == true ? 1 : 0);
    }

    internal Histogram<double> BatchSize { get; }

    internal Histogram<double> BatchDuration { get; }

    internal Counter<long> Batches { get; }

    internal Counter<long> FailedMessages { get; }

    public void Dispose()
    {
        if (ownsMeter)
        {
            meter.Dispose();
        }
    }

    private static IEnumerable<Measurement<double>> StreamGauge(Func<IEnumerable<Worker>> workers, Func<StreamConsumer, double> read) =>
        workers().Where(w => w.Consumer is not null).Select(w => new Measurement<double>(
            read(w.Consumer!), new KeyValuePair<string, object?>("worker", w.Name), new KeyValuePair<string, object?>("stream", w.QueueName)));

    private void Gauge(Func<IEnumerable<Worker>> workers, string name, string description, Func<Worker, int> read) =>
        meter.CreateObservableGauge(
            name,
            () => workers().Select(w => new Measurement<int>(
                read(w), new KeyValuePair<string, object?>("worker", w.Name), new KeyValuePair<string, object?>("queue", w.QueueName))),
            "{invocation}",
            description);
}
