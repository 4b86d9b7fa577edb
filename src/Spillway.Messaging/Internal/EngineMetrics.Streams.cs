using System.Diagnostics.Metrics;
using Spillway.Messaging.Streams;

namespace Spillway.Messaging.Internal;

/// <summary>
/// The streams' instruments, tagged with the stream and, per shard, the shard id. Each callback reads the streams'
/// counters directly: a shard's counters are a handful of longs read under the stream's lock, so no shared reading
/// is needed as it is for queues.
/// </summary>
internal sealed partial class EngineMetrics
{
    private void CreateStreamInstruments()
    {
        ShardCounter("spillway.stream.incoming.records", "{record}", "Records put into the shard since the engine opened.", c => c.IncomingRecords);
        ShardCounter("spillway.stream.incoming.bytes", "By", "Data bytes put into the shard since the engine opened.", c => c.IncomingBytes);
        ShardCounter("spillway.stream.read.calls", "{call}", "Reads of the shard since the engine opened.", c => c.ReadCalls);
        ShardCounter("spillway.stream.records.read", "{record}", "Records returned by reads of the shard.", c => c.RecordsRead);
        meter.CreateObservableGauge(
            "spillway.stream.records.kept",
            () => EachShard(c => c.RecordsKept),
            "{record}",
            "Records the shard holds (not yet past retention).");
        meter.CreateObservableGauge(
            "spillway.stream.oldest_record.age",
            () => engine.Streams.List().Select(s => new Measurement<double>(
                s.OldestRecordTimestamp is { } oldest ? Math.Max(0, (engine.Time.GetUtcNow() - oldest).TotalSeconds) : 0,
                new KeyValuePair<string, object?>("stream", s.Name))),
            "s",
            "Age of the oldest record the stream holds; 0 when empty.");
    }

    private void ShardCounter(string name, string unit, string description, Func<ShardCounters, long> read) =>
        meter.CreateObservableCounter(name, () => EachShard(read), unit, description);

    private IEnumerable<Measurement<long>> EachShard(Func<ShardCounters, long> read) =>
        engine.Streams.List().SelectMany(s => s.ShardCounters.Select(c => new Measurement<long>(
            read(c), new KeyValuePair<string, object?>("stream", s.Name), new KeyValuePair<string, object?>("shard", c.ShardId))));
}
