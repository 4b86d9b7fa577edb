using System.Diagnostics.Metrics;

namespace Spillway.DeliveryStreams.Internal;

/// <summary>
/// The delivery streams' instruments on the meter <see cref="DeliveryStreamStore.MeterName"/>, tagged with the stream:
/// each callback reads a stream's <see cref="DeliveryStreamStatistics"/>, a handful of numbers taken under its lock.
/// </summary>
internal sealed class DeliveryMetrics : IDisposable
{
    private readonly Meter meter;

    public DeliveryMetrics(IMeterFactory? meterFactory, Func<IReadOnlyList<DeliveryStream>> streams)
    {
        meter = meterFactory?.Create(DeliveryStreamStore.MeterName) ?? new Meter(DeliveryStreamStore.MeterName);
        Counter("spillway.firehose.incoming.records", "{record}", "Records put since the server started.", s => s.IncomingRecords);
        Counter("spillway.firehose.incoming.bytes", "By", "Data bytes put since the server started.", s => s.IncomingBytes);
        Gauge("spillway.firehose.buffered.records", "{record}", "Records waiting for their file.", s => s.BufferedRecords);
        Gauge("spillway.firehose.buffered.bytes", "By", "Data bytes waiting for their file: the buffers' fill.", s => s.BufferedBytes);
        Gauge("spillway.firehose.partitions.active", "{partition}", "Partitions with records waiting.", s => s.ActivePartitions);
        Counter("spillway.firehose.files.written", "{file}", "Files delivered since the server started.", s => s.FilesWritten);
        Counter("spillway.firehose.files.bytes", "By", "Bytes of the delivered files (compressed when they are).", s => s.BytesWritten);
        Counter("spillway.firehose.records.delivered", "{record}", "Records in delivered files, error files included.", s => s.RecordsDelivered);
        Counter("spillway.firehose.records.failed", "{record}", "Records written to the error prefix.", s => s.RecordsFailed);
        Counter("spillway.firehose.delivery.failures", "{attempt}", "Attempts to store a file that failed and were retried.", s => s.DeliveryFailures);
        meter.CreateObservableGauge(
            "spillway.firehose.delivery.latency",
            () => streams().Select(s => (s.Definition.Name, s.Statistics.LastDeliveryLatency))
                .Where(s => s.LastDeliveryLatency is not null)
                .Select(s => new Measurement<double>(s.LastDeliveryLatency!.Value.TotalSeconds, Tag(s.Name))),
            "s",
            "For the last file, from its oldest record's arrival to the file being stored.");

        void Counter(string name, string unit, string description, Func<DeliveryStreamStatistics, long> read) =>
            meter.CreateObservableCounter(name, () => Each(read), unit, description);

        void Gauge(string name, string unit, string description, Func<DeliveryStreamStatistics, long> read) =>
            meter.CreateObservableGauge(name, () => Each(read), unit, description);

        IEnumerable<Measurement<long>> Each(Func<DeliveryStreamStatistics, long> read) =>
            streams().Select(s => new Measurement<long>(read(s.Statistics), Tag(s.Definition.Name)));
    }

    public void Dispose() => meter.Dispose();

    private static KeyValuePair<string, object?> Tag(string stream) => new("delivery_stream", stream);
}
