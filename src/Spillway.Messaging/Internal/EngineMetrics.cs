using System.Diagnostics.Metrics;

namespace Spillway.Messaging.Internal;

/// <summary>
/// The engine's instruments, on the meter <see cref="QueueEngine.MeterName"/>: every queue's counts and totals and its
/// log's writes, read when a reader collects. The queues are read once for all the instruments of one collection,
/// since each read takes the queue's lock: a reading is shared until an instrument asks for a second time, which
/// starts the next collection, so one scrape's figures are one moment's and the next scrape's are fresh.
/// </summary>
internal sealed partial class EngineMetrics : IDisposable
{
    private readonly QueueEngine engine;
    private readonly Meter meter;
    private readonly bool ownsMeter;
    private readonly Lock gate = new();
    private readonly HashSet<int> consumed = [];
    private Reading[]? readings;
    private int instruments;

    public EngineMetrics(QueueEngine engine, IMeterFactory? meterFactory)
    {
        this.engine = engine;
        ownsMeter = meterFactory is null;
        meter = meterFactory?.Create(QueueEngine.MeterName) ?? new Meter(QueueEngine.MeterName);
        QueueGauge("spillway.queue.messages.visible", "{message}", "Messages available to receive.", r => r.Counts.Visible);
        QueueGauge("spillway.queue.messages.in_flight", "{message}", "Messages received and not yet deleted.", r => r.Counts.InFlight);
        QueueGauge("spillway.queue.messages.delayed", "{message}", "Messages not yet visible because of a delay.", r => r.Counts.Delayed);
        QueueGauge("spillway.queue.oldest_message.age", "s", "Age of the oldest message in the queue; 0 when empty.", r => r.OldestAgeSeconds);
        QueueCounter("spillway.queue.messages.sent", "Messages stored in the queue since it was created.", r => r.Activity.Sent);
        QueueCounter("spillway.queue.messages.received", "Messages handed out by receives.", r => r.Activity.Received);
        QueueCounter("spillway.queue.messages.deleted", "Messages deleted after being handled.", r => r.Activity.Deleted);
        QueueCounter("spillway.queue.messages.dead_lettered", "Messages moved to the dead-letter queue.", r => r.Activity.DeadLettered);
        LogCounter("spillway.storage.fsyncs", "{fsync}", "fsyncs of the queue's log.", r => r.Log.Fsyncs);
        LogCounter("spillway.storage.writes", "{write}", "Group-commit writes of the queue's log.", r => r.Log.Writes);
        LogCounter("spillway.storage.written", "By", "Bytes written to the queue's log.", r => r.Log.BytesWritten);
        meter.CreateObservableGauge(
            "spillway.storage.segments",
            Observe(r => r.Segments),
            "{segment}",
            "Segment files of the queue's log.");
        meter.CreateObservableGauge("spillway.storage.disk.free", () => engine.Status.FreeBytes, "By", "Free bytes on the data disk.");
        meter.CreateObservableGauge(
            "spillway.storage.writable", () => engine.Status.Writable ? 1 : 0, "{bool}", "1 while storage accepts writes.");
        CreateStreamInstruments();
    }

    public void Dispose()
    {
        if (ownsMeter)
        {
            meter.Dispose();
        }
    }

    private Reading[] Read(int instrument)
    {
        lock (gate)
        {
            if (readings is null || !consumed.Add(instrument))
            {
                var at = engine.Time.GetUtcNow();
                readings = [.. engine.ListQueues().Select(q => Reading.Of(q, at))];
                consumed.Clear();
                consumed.Add(instrument);
            }

            return readings;
        }
    }

    /// <summary>One instrument's callback: its own slot in the shared reading.</summary>
    private Func<IEnumerable<Measurement<T>>> Observe<T>(Func<Reading, T> read)
        where T : struct
    {
        var instrument = instruments++;
        return () => Read(instrument).Select(r => Tagged(read(r), r.Queue));
    }

    private static Measurement<T> Tagged<T>(T value, string queue)
        where T : struct => new(value, new KeyValuePair<string, object?>("queue", queue));

    private void QueueGauge(string name, string unit, string description, Func<Reading, double> read) =>
        meter.CreateObservableGauge(name, Observe(read), unit, description);

    private void QueueCounter(string name, string description, Func<Reading, long> read) =>
        meter.CreateObservableCounter(name, Observe(read), "{message}", description);

    private void LogCounter(string name, string unit, string description, Func<Reading, long> read) =>
        meter.CreateObservableCounter(name, Observe(read), unit, description);

    /// <summary>One queue's figures at one moment.</summary>
    private sealed record Reading(
        string Queue, QueueCounts Counts, QueueActivity Activity, double OldestAgeSeconds, Storage.SegmentLogMetrics Log, int Segments)
    {
        public static Reading Of(MessageQueue queue, DateTimeOffset now)
        {
            var counts = queue.GetCounts();
            var age = counts.OldestSentTimestamp is { } sent ? Math.Max(0, (now - sent).TotalSeconds) : 0;
            return new Reading(queue.Name, counts, queue.GetActivity(), age, queue.StorageMetrics, queue.Log.SegmentCount);
        }
    }
}
