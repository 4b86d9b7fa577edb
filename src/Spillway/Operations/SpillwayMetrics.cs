using System.Diagnostics.Metrics;
using Spillway.Hosting;
using Spillway.Messaging;

namespace Spillway.Operations;

/// <summary>
/// Spillway's instruments, on one <see cref="Meter"/> named <see cref="MeterName"/>. Queue, storage, worker and pool
/// figures are observable (read from the engine, the workers and the sinks when scraped); ingest, batch and sink
/// write figures are recorded as they happen by the endpoints and the decorators around handlers and sinks.
/// </summary>
internal sealed class SpillwayMetrics : IDisposable
{
    public const string MeterName = "Spillway";

    private static readonly double[] LatencyBuckets =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private static readonly double[] BatchSizeBuckets = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

    private readonly Meter meter = new(MeterName);
    private readonly Lock readingsGate = new();
    private SpillwayRuntime? runtime;
    private QueueReading[] readings = [];
    private long readingsAt;

    public SpillwayMetrics()
    {
        IngestRequests = meter.CreateCounter<long>(
            "spillway.ingest.requests", "{request}", "Ingest requests answered, by route and HTTP status.");
        AcceptDuration = meter.CreateHistogram(
            "spillway.ingest.accept.duration", "s", "Time from request to a 2xx answer (records durable), by route.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
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
        RowsWritten = meter.CreateCounter<long>(
            "spillway.sink.rows.written", "{row}", "Rows inserted by a sink (a record already present is not counted).");
        RowsRejected = meter.CreateCounter<long>(
            "spillway.sink.records.rejected", "{record}", "Records a sink could not map to its table.");
        SinkWriteDuration = meter.CreateHistogram(
            "spillway.sink.batch.duration", "s", "Duration of one sink write (one transaction), by sink.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        SinkFailures = meter.CreateCounter<long>(
            "spillway.sink.failures", "{write}", "Sink writes that failed, by sink and reason (unavailable, error).");
    }

    public Meter Meter => meter;

    public Counter<long> IngestRequests { get; }

    public Histogram<double> AcceptDuration { get; }

    public Histogram<double> BatchSize { get; }

    public Histogram<double> BatchDuration { get; }

    public Counter<long> Batches { get; }

    public Counter<long> FailedMessages { get; }

    public Counter<long> RowsWritten { get; }

    public Counter<long> RowsRejected { get; }

    public Histogram<double> SinkWriteDuration { get; }

    public Counter<long> SinkFailures { get; }

    /// <summary>Registers the observable instruments over a runtime's queues, storage, workers and sinks.</summary>
    public void Observe(SpillwayRuntime observed, string queuesDirectory)
    {
        runtime = observed;
        QueueGauge("spillway.queue.messages.visible", "{message}", "Messages available to receive.", r => r.Counts.Visible);
        QueueGauge("spillway.queue.messages.in_flight", "{message}", "Messages received and not yet deleted.", r => r.Counts.InFlight);
        QueueGauge("spillway.queue.messages.delayed", "{message}", "Messages not yet visible because of a delay.", r => r.Counts.Delayed);
        QueueGauge("spillway.queue.oldest_message.age", "s", "Age of the oldest message in the queue; 0 when empty.", r => r.OldestAgeSeconds);
        QueueCounter("spillway.queue.messages.sent", "Messages stored in the queue since it was created.", r => r.Activity.Sent);
        QueueCounter("spillway.queue.messages.received", "Messages handed out by receives.", r => r.Activity.Received);
        QueueCounter("spillway.queue.messages.deleted", "Messages deleted after being handled.", r => r.Activity.Deleted);
        QueueCounter("spillway.queue.messages.dead_lettered", "Messages moved to the dead-letter queue.", r => r.Activity.DeadLettered);

        meter.CreateObservableCounter("spillway.storage.fsyncs", () => QueueStorage(m => m.Fsyncs), "{fsync}", "fsyncs of the queue's log.");
        meter.CreateObservableCounter(
            "spillway.storage.writes", () => QueueStorage(m => m.Writes), "{write}", "Group-commit writes of the queue's log.");
        meter.CreateObservableCounter(
            "spillway.storage.written", () => QueueStorage(m => m.BytesWritten), "By", "Bytes written to the queue's log.");
        meter.CreateObservableGauge(
            "spillway.storage.segments",
            () => Readings().Select(r => Tagged(CountSegments(Path.Combine(queuesDirectory, r.Queue.Name)), "queue", r.Queue.Name)),
            "{segment}",
            "Segment files of the queue's log.");
        meter.CreateObservableGauge("spillway.storage.disk.free", () => observed.Engine.Status.FreeBytes, "By", "Free bytes on the data disk.");
        meter.CreateObservableGauge(
            "spillway.storage.writable", () => observed.Engine.Status.Writable ? 1 : 0, "{bool}", "1 while storage accepts writes.");

        WorkerGauge("spillway.worker.concurrency", "Handler invocations running now.", w => w.Statistics?.CurrentConcurrency ?? 0);
        WorkerGauge("spillway.worker.concurrency.limit", "Invocations allowed now (moved by the autoscaler).", w => w.ConcurrencyLimit);
        WorkerGauge("spillway.worker.concurrency.max", "Configured maximum concurrency (capped by the sink's pool).", w => w.MaxConcurrency);
        WorkerGauge("spillway.worker.enabled", "1 while the worker is enabled.", w => w.Enabled ? 1 : 0);
        WorkerGauge("spillway.worker.paused", "1 while receiving is paused by a sink outage.", w => w.Statistics?.Paused == true ? 1 : 0);

        meter.CreateObservableGauge(
            "spillway.sink.pool.connections.in_use",
            () => observed.Sinks.Values.Select(s => Tagged(s.PoolStatistics.InUse, "sink", s.Name)),
            "{connection}",
            "Pooled connections borrowed now.");
        meter.CreateObservableGauge(
            "spillway.sink.pool.connections.max",
            () => observed.Sinks.Values.Select(s => Tagged(s.PoolStatistics.MaxConnections, "sink", s.Name)),
            "{connection}",
            "The pool's cap.");
        meter.CreateObservableCounter(
            "spillway.sink.pool.waits",
            () => observed.Sinks.Values.Select(s => Tagged(s.PoolStatistics.Waits, "sink", s.Name)),
            "{wait}",
            "Borrows that waited for a free connection.");
    }

    /// <summary>Each alarm rule's state: 1 while in ALARM.</summary>
    public void ObserveAlarms(Alarms.AlarmMonitor monitor) =>
        meter.CreateObservableGauge(
            "spillway.alarm.firing",
            () => monitor.States.Select(s => Tagged(s.Value == Alarms.AlarmState.ALARM ? 1 : 0, "alarm", s.Key)),
            "{alarm}",
            "1 while the alarm rule is in ALARM.");

    /// <summary>Makes the next <see cref="Readings"/> read the queues afresh (a scrape starts).</summary>
    public void Invalidate()
    {
        lock (readingsGate)
        {
            readings = [];
        }
    }

    /// <summary>
    /// Every queue's counts and totals, read once for all the instruments of one collection (a scrape invalidates it;
    /// an OTLP collection relies on the 250 ms age limit).
    /// </summary>
    public IReadOnlyList<QueueReading> Readings()
    {
        if (runtime is not { } observed)
        {
            return [];
        }

        lock (readingsGate)
        {
            var now = Environment.TickCount64;
            if (now - readingsAt > 250 || readings.Length == 0)
            {
                var at = DateTimeOffset.UtcNow;
                readings = [.. observed.Engine.ListQueues().Select(q => QueueReading.Of(q, at))];
                readingsAt = now;
            }

            return readings;
        }
    }

    public void Dispose() => meter.Dispose();

    private static int CountSegments(string directory)
    {
        try
        {
            return Directory.Exists(directory) ? Directory.EnumerateFiles(directory, "*.seg").Count() : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static Measurement<T> Tagged<T>(T value, string key, string tag)
        where T : struct => new(value, new KeyValuePair<string, object?>(key, tag));

    private void QueueGauge(string name, string unit, string description, Func<QueueReading, double> read) =>
        meter.CreateObservableGauge(name, () => Readings().Select(r => Tagged(read(r), "queue", r.Queue.Name)), unit, description);

    private void QueueCounter(string name, string description, Func<QueueReading, long> read) =>
        meter.CreateObservableCounter(name, () => Readings().Select(r => Tagged(read(r), "queue", r.Queue.Name)), "{message}", description);

    private IEnumerable<Measurement<long>> QueueStorage(Func<Storage.SegmentLogMetrics, long> read) =>
        Readings().Select(r => Tagged(read(r.Queue.StorageMetrics), "queue", r.Queue.Name));

    private void WorkerGauge(string name, string description, Func<Worker, int> read) =>
        meter.CreateObservableGauge(
            name,
            () => runtime!.Workers.Values.Select(w => new Measurement<int>(
                read(w), new KeyValuePair<string, object?>("worker", w.Name), new KeyValuePair<string, object?>("queue", w.QueueName))),
            "{invocation}",
            description);
}

/// <summary>One queue's counts and totals at one moment.</summary>
internal sealed record QueueReading(MessageQueue Queue, QueueCounts Counts, QueueActivity Activity, double OldestAgeSeconds)
{
    public static QueueReading Of(MessageQueue queue, DateTimeOffset now)
    {
        var counts = queue.GetCounts();
        var age = counts.OldestSentTimestamp is { } sent ? Math.Max(0, (now - sent).TotalSeconds) : 0;
        return new QueueReading(queue, counts, queue.GetActivity(), age);
    }
}
